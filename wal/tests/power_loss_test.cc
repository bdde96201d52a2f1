// Power loss and I/O faults through the fault-injecting file system. The criterion: after
// recovery every acknowledged entry is present and intact, LSNs are dense, nothing follows a gap,
// and the log takes appends again.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "fault_file_system.h"
#include "wal/log.h"
#include "wal_test_util.h"

namespace wal {
namespace {

using testing::Fault;
using testing::FaultFileSystem;
using testing::Payload;
using testing::PayloadFor;
using testing::ReadAll;

constexpr char kDir[] = "/wal";

// Checks the criterion and returns the last LSN recovered.
uint64_t ExpectRecovered(FaultFileSystem* fs, const std::map<uint64_t, std::string>& acked,
                         const std::string& context) {
  OpenReport report;
  Options o;
  o.fs = fs;
  auto log = Log::Open(kDir, o, &report);
  EXPECT_TRUE(log.ok()) << context << ": " << log.status().ToString();
  if (!log.ok()) return 0;
  const auto all = ReadAll(fs, kDir);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].lsn, i + 1) << context;
  for (const auto& [lsn, payload] : acked) {
    EXPECT_LE(lsn, all.size()) << context << ": acknowledged LSN " << lsn << " lost";
    if (lsn <= all.size()) {
      EXPECT_EQ(all[lsn - 1].payload, payload) << context << " LSN " << lsn;
    }
  }
  // The log goes on after recovery.
  auto next = (*log)->Append(Payload("after recovery"));
  EXPECT_TRUE(next.ok()) << context << ": " << next.status().ToString();
  if (next.ok()) {
    EXPECT_EQ(*next, all.size() + 1) << context;
  }
  return all.size();
}

TEST(PowerLossTest, AcknowledgedEntriesSurvivePowerLossAtRandomPoints) {
  constexpr int kSeeds = 1000;
  for (int seed = 0; seed < kSeeds; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    FaultFileSystem fs;
    Options o;
    o.fs = &fs;
    o.segment_bytes = std::vector<uint64_t>{300, 2000, 1 << 20}[rng() % 3];
    auto log = Log::Open(kDir, o);
    ASSERT_TRUE(log.ok());
    fs.CrashAtOperation(1 + rng() % 120);
    std::mutex mu;
    std::map<uint64_t, std::string> acked;
    const int writers = 1 + static_cast<int>(rng() % 4);
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
      const uint64_t thread_seed = rng();
      threads.emplace_back([&, t, thread_seed] {
        std::mt19937_64 local(thread_seed);
        for (int i = 0; i < 60; ++i) {
          const size_t batch = 1 + local() % 3;
          std::vector<NewEntry> entries;
          std::vector<std::string> payloads;
          for (size_t b = 0; b < batch; ++b) {
            payloads.push_back(PayloadFor(local() % 1000) + std::to_string(t));
            entries.push_back(Payload(payloads.back()));
          }
          auto first = (*log)->AppendBatch(std::move(entries));
          if (!first.ok()) return;
          std::lock_guard lock(mu);
          for (size_t b = 0; b < batch; ++b) acked[*first + b] = payloads[b];
        }
      });
    }
    for (auto& t : threads) t.join();
    log->reset();
    fs.Revive();
    ExpectRecovered(&fs, acked, "seed " + std::to_string(seed));
    if (HasFailure()) {
      ADD_FAILURE() << "replay with seed " << seed;
      return;
    }
  }
}

// Short write, ENOSPC and EIO at every step of a run of appends that rotates segments (writes,
// syncs, and rotation's open, rename and directory sync), then recovery with and without
// losing what was not synced.
TEST(PowerLossTest, EveryFaultAtEveryStepKeepsAcknowledgedEntries) {
  for (Fault fault : {Fault::kShortWrite, Fault::kNoSpace, Fault::kIoError}) {
    bool every_step_covered = false;  // some run had fewer steps than its fault's number
    for (uint64_t step = 1; step <= 120; ++step) {
      for (bool power_loss : {false, true}) {
        const std::string context = "fault " + std::to_string(static_cast<int>(fault)) +
                                    " at step " + std::to_string(step) +
                                    (power_loss ? " with power loss" : "");
        FaultFileSystem fs;
        Options o;
        o.fs = &fs;
        o.segment_bytes = 400;  // a rotation every few appends
        auto log = Log::Open(kDir, o);
        ASSERT_TRUE(log.ok());
        const uint64_t ops_at_open = fs.operations();
        fs.FailOperation(step, fault);
        std::map<uint64_t, std::string> acked;
        bool failed = false;
        for (int i = 1; i <= 30; ++i) {
          auto lsn = (*log)->Append(Payload(PayloadFor(i)));
          if (!lsn.ok()) {
            failed = true;
            EXPECT_EQ((*log)->Append(Payload("refused")).status().code(),
                      claims::StatusCode::kUnavailable)
                << context;
            break;
          }
          acked[*lsn] = PayloadFor(i);
        }
        EXPECT_EQ(failed, step <= fs.operations() - ops_at_open) << context;
        every_step_covered = every_step_covered || !failed;
        fs.FailOperation(0, Fault::kNone);  // unfired when the run had fewer operations
        log->reset();
        if (power_loss) fs.DropUnsynced();
        ExpectRecovered(&fs, acked, context);
        if (HasFailure()) return;
      }
    }
    EXPECT_TRUE(every_step_covered) << "raise the step limit: the run has more operations";
  }
}

}  // namespace
}  // namespace wal
