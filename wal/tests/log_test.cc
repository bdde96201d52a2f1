#include "wal/log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "fault_file_system.h"
#include "wal_test_util.h"

namespace wal {
namespace {

using testing::FaultFileSystem;
using testing::Payload;
using testing::ReadAll;

Options OptionsFor(FileSystem* fs, uint64_t segment_bytes = 64ull << 20) {
  Options o;
  o.fs = fs;
  o.segment_bytes = segment_bytes;
  return o;
}

TEST(LogTest, AppendsGetDenseLsnsAndReadBack) {
  FaultFileSystem fs;
  auto log = Log::Open("/wal", OptionsFor(&fs));
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(*(*log)->Append(Payload("a")), 1u);
  EXPECT_EQ(*(*log)->Append(Payload("b", 2)), 2u);
  EXPECT_EQ(*(*log)->AppendBatch({Payload("c"), Payload("d")}), 3u);
  EXPECT_EQ((*log)->durable_lsn(), 4u);
  std::vector<std::string> seen;
  ASSERT_TRUE((*log)
                  ->ReadFrom(2,
                             [&](const Entry& e) {
                               seen.push_back(std::to_string(e.lsn) + e.payload);
                               return true;
                             })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"2b", "3c", "4d"}));
}

// A reader that goes through the log in steps, as the relay and replay do, reads each byte
// about once, however long the log: each read starts at an indexed position near its first
// entry, and stops when its visitor does. The same holds after a reopen (readers index the
// segments as they pass) and across segments; every entry comes back whole and in order.
TEST(LogTest, ReadingInStepsReadsTheLogAboutOnce) {
  FaultFileSystem fs;
  constexpr int kEntries = 6000;
  constexpr int kStep = 50;
  const std::string pad(900, 'p');
  {
    auto log = Log::Open("/wal", OptionsFor(&fs, 1u << 20));
    ASSERT_TRUE(log.ok());
    for (int i = 1; i <= kEntries; i += 3) {
      std::vector<NewEntry> group;
      for (int k = 0; k < 3; ++k) group.push_back(Payload(std::to_string(i + k) + pad));
      ASSERT_TRUE((*log)->AppendBatch(std::move(group)).ok());
    }
  }
  for (const bool reopened : {false, true}) {
    auto log = Log::Open("/wal", OptionsFor(&fs, 1u << 20));
    ASSERT_TRUE(log.ok());
    uint64_t log_bytes = 0;
    const auto names = fs.ListDir("/wal");
    for (const std::string& name : *names) {
      if (ParseSegmentFileName(name)) log_bytes += fs.Content("/wal/" + name).size();
    }
    ASSERT_GT(log_bytes, 5u << 20) << "several segments";
    const uint64_t before = fs.bytes_read();
    uint64_t next = 1;
    int calls = 0;
    while (next <= kEntries) {
      int taken = 0;
      ASSERT_TRUE((*log)
                      ->ReadFrom(next,
                                 [&](const Entry& e) {
                                   EXPECT_EQ(e.lsn, next);
                                   EXPECT_EQ(e.payload, std::to_string(e.lsn) + pad);
                                   ++next;
                                   return ++taken < kStep;
                                 })
                      .ok());
      ASSERT_GT(taken, 0);
      ++calls;
    }
    const uint64_t read = fs.bytes_read() - before;
    // Each call may start up to one index stride early and read one first chunk past its end.
    EXPECT_LE(read, log_bytes + calls * 3 * Log::kIndexStride) << "reopened " << reopened;
    EXPECT_LE(read, 4 * log_bytes) << "reopened " << reopened;
  }
}

TEST(LogTest, ReopenContinuesAfterTheLastEntry) {
  FaultFileSystem fs;
  {
    auto log = Log::Open("/wal", OptionsFor(&fs));
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->Append(Payload("x")).ok());
  }
  OpenReport report;
  auto log = Log::Open("/wal", OptionsFor(&fs), &report);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(report.last_lsn, 5u);
  EXPECT_FALSE(report.cut_torn_tail);
  EXPECT_EQ(*(*log)->Append(Payload("y")), 6u);
  EXPECT_EQ(ReadAll(&fs, "/wal").size(), 6u);
}

TEST(LogTest, SecondOpenerGetsAClearError) {
  FaultFileSystem fs;
  auto first = Log::Open("/wal", OptionsFor(&fs));
  ASSERT_TRUE(first.ok());
  auto second = Log::Open("/wal", OptionsFor(&fs));
  EXPECT_EQ(second.status().code(), claims::StatusCode::kLocked);
  EXPECT_EQ(second.status().message(),
            "WAL /wal is open in another process (/wal/LOCK is locked by another process): stop "
            "its instance first");
}

TEST(LogTest, SecondOpenerOfARealDirectoryIsRefused) {
  const std::string dir = ::testing::TempDir() + "wal_lock_" + std::to_string(::getpid());
  auto first = Log::Open(dir, Options{});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Log::Open(dir, Options{});
  EXPECT_EQ(second.status().code(), claims::StatusCode::kLocked);
}

TEST(LogTest, RotatesSegmentsAndTruncatesBelowAnLsn) {
  FaultFileSystem fs;
  auto log = Log::Open("/wal", OptionsFor(&fs, 256));
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 40; ++i) ASSERT_TRUE((*log)->Append(Payload(std::string(40, 'r'))).ok());
  auto scan = ScanLog(&fs, "/wal");
  ASSERT_TRUE(scan.ok());
  ASSERT_GT(scan->segments.size(), 5u);
  EXPECT_EQ(scan->damage, Damage::kNone);
  EXPECT_EQ(scan->last_lsn, 40u);

  const uint64_t keep_from = scan->segments[3].first_lsn + 1;
  StatusOr<int> removed = (*log)->TruncateBefore(keep_from);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 3);
  auto after = ScanLog(&fs, "/wal");
  EXPECT_EQ(after->first_lsn, scan->segments[3].first_lsn);
  EXPECT_EQ(after->last_lsn, 40u);
  // The segment being written is never removed.
  EXPECT_TRUE((*log)->TruncateBefore(1000).ok());
  EXPECT_EQ(ScanLog(&fs, "/wal")->segments.size(), 1u);
  EXPECT_EQ(*(*log)->Append(Payload("z")), 41u);
}

TEST(LogTest, OversizedPayloadIsRefusedAndTheLogGoesOn) {
  FaultFileSystem fs;
  auto log = Log::Open("/wal", OptionsFor(&fs));
  ASSERT_TRUE(log.ok());
  auto big = (*log)->Append(Payload(std::string(kMaxPayloadSize + 1, 'x')));
  EXPECT_EQ(big.status().code(), claims::StatusCode::kInvalidArgument);
  EXPECT_EQ(*(*log)->Append(Payload("ok")), 1u);
}

TEST(LogTest, FailedSyncIsFatalAndNeverRetried) {
  FaultFileSystem fs;
  auto log = Log::Open("/wal", OptionsFor(&fs));
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Payload("a")).ok());
  fs.FailOperation(2, testing::Fault::kIoError);  // the append's write succeeds, its sync fails
  auto failed = (*log)->Append(Payload("b"));
  EXPECT_EQ(failed.status().code(), claims::StatusCode::kInternal);
  const uint64_t ops = fs.operations();
  auto later = (*log)->Append(Payload("c"));
  EXPECT_EQ(later.status().code(), claims::StatusCode::kUnavailable);
  EXPECT_NE(later.status().message().find("fdatasync"), std::string::npos);
  EXPECT_EQ(fs.operations(), ops) << "a failed log must not touch the disk again";
  EXPECT_EQ((*log)->durable_lsn(), 1u);
}

TEST(LogTest, DiskFullIsReportedAsUnavailable) {
  FaultFileSystem fs;
  auto log = Log::Open("/wal", OptionsFor(&fs));
  ASSERT_TRUE(log.ok());
  fs.FailOperation(1, testing::Fault::kNoSpace);
  auto failed = (*log)->Append(Payload("a"));
  EXPECT_EQ(failed.status().code(), claims::StatusCode::kUnavailable);
  EXPECT_NE(failed.status().message().find("disk full"), std::string::npos);
}

TEST(LogTest, IntervalPolicyMakesEntriesDurableWithinTheInterval) {
  FaultFileSystem fs;
  Options o = OptionsFor(&fs);
  o.fsync = FsyncPolicy::kInterval;
  o.fsync_interval = std::chrono::milliseconds(5);
  auto log = Log::Open("/wal", o);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(*(*log)->Append(Payload("a")), 1u);
  for (int i = 0; i < 400 && (*log)->durable_lsn() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ((*log)->durable_lsn(), 1u);
  fs.DropUnsynced();
  EXPECT_EQ(ReadAll(&fs, "/wal").size(), 1u);
}

TEST(LogTest, NonePolicyLeavesSyncingToTheSystem) {
  FaultFileSystem fs;
  Options o = OptionsFor(&fs);
  o.fsync = FsyncPolicy::kNone;
  auto log = Log::Open("/wal", o);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(Payload("a")).ok());
  const uint64_t ops = fs.operations();
  ASSERT_TRUE((*log)->Append(Payload("b")).ok());
  EXPECT_EQ(fs.operations(), ops + 1) << "one write, no sync";
}

// Many writers at once: every append is acknowledged once with a distinct LSN, LSNs are dense,
// and each entry holds what its writer appended. Run under ThreadSanitizer by `test`.
TEST(LogTest, ConcurrentWritersShareGroupCommits) {
  FaultFileSystem fs;
  fs.SetSyncDelay(std::chrono::microseconds(200));  // a disk's fdatasync time
  auto log = Log::Open("/wal", OptionsFor(&fs, 64 << 10));
  ASSERT_TRUE(log.ok());
  constexpr int kThreads = 16;
  constexpr int kEach = 200;
  std::vector<std::vector<std::pair<uint64_t, std::string>>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string text = std::to_string(t) + ":" + std::to_string(i);
        auto lsn = (*log)->Append(Payload(text));
        ASSERT_TRUE(lsn.ok());
        acked[t].emplace_back(*lsn, text);
      }
    });
  }
  for (auto& t : threads) t.join();
  const auto all = ReadAll(&fs, "/wal");
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].lsn, i + 1);
  for (const auto& per_thread : acked) {
    for (const auto& [lsn, text] : per_thread) ASSERT_EQ(all[lsn - 1].payload, text);
  }
  // Group commit: writers queued behind a sync share the next one, so there are far fewer
  // write+sync pairs than appends.
  EXPECT_LT(fs.operations(), static_cast<uint64_t>(kThreads * kEach) / 2);
}

}  // namespace
}  // namespace wal
