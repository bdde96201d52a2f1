// A WAL writer for process-level tests:
//   crash_writer write DIR ACKS THREADS   appends forever from THREADS threads; after each
//                                         acknowledged append, appends "<lsn> <payload>\n" to
//                                         ACKS (outside the WAL, so it survives a SIGKILL)
//   crash_writer check DIR ACKS           opens DIR (recovering it) and checks every line of ACKS:
//                                         the entry is there, intact; LSNs are dense. Exit 0 or 1.
//   crash_writer golden DIR               writes a fixed set of entries at a fixed time, for the
//                                         walctl golden test
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "shared/clock.h"
#include "wal/log.h"

namespace {

int Write(const std::string& dir, const std::string& acks, int threads) {
  auto log = wal::Log::Open(dir, wal::Options{});
  if (!log.ok()) {
    std::fprintf(stderr, "open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  const int fd = ::open(acks.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return 1;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        const std::string payload = "{\"writer\":" + std::to_string(t) +
                                    ",\"n\":" + std::to_string(i) +
                                    ",\"pid\":" + std::to_string(getpid()) + "}";
        auto lsn = (*log)->Append(wal::NewEntry{1, 1, payload});
        if (!lsn.ok()) {
          std::fprintf(stderr, "append: %s\n", lsn.status().ToString().c_str());
          std::_Exit(1);
        }
        const std::string line = std::to_string(*lsn) + " " + payload + "\n";
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
          std::_Exit(1);
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}

int Check(const std::string& dir, const std::string& acks) {
  wal::OpenReport report;
  auto log = wal::Log::Open(dir, wal::Options{}, &report);
  if (!log.ok()) {
    std::printf("FAIL: cannot open: %s\n", log.status().ToString().c_str());
    return 1;
  }
  std::map<uint64_t, std::string> entries;
  uint64_t expected = 0;
  bool dense = true;
  auto status = (*log)->ReadFrom(0, [&](const wal::Entry& e) {
    if (expected != 0 && e.lsn != expected) dense = false;
    expected = e.lsn + 1;
    entries[e.lsn] = e.payload;
    return true;
  });
  if (!status.ok() || !dense) {
    std::printf("FAIL: read %s, dense %d\n", status.ToString().c_str(), dense);
    return 1;
  }
  std::ifstream in(acks);
  std::string line;
  uint64_t checked = 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line without its newline was cut by the kill: not acknowledged
    const auto space = line.find(' ');
    const uint64_t lsn = std::stoull(line.substr(0, space));
    const std::string payload = line.substr(space + 1);
    auto it = entries.find(lsn);
    if (it == entries.end() || it->second != payload) {
      std::printf("FAIL: acknowledged LSN %llu %s\n", static_cast<unsigned long long>(lsn),
                  it == entries.end() ? "is missing" : "has other content");
      return 1;
    }
    ++checked;
  }
  std::printf("ok: %llu acknowledged entries intact, %zu entries, torn tail cut: %s\n",
              static_cast<unsigned long long>(checked), entries.size(),
              report.cut_torn_tail ? "yes" : "no");
  return 0;
}

int Golden(const std::string& dir) {
  claims::ManualClock clock(
      std::chrono::system_clock::time_point(std::chrono::seconds(1767225600)));
  wal::Options options;
  options.clock = &clock;
  auto log = wal::Log::Open(dir, options);
  if (!log.ok()) return 1;
  const std::vector<wal::NewEntry> entries = {
      {1, 1, R"({"entity":"policy","policy_id":"V1StGXR8_Z5jdHi6B-myT","version":1})"},
      {2, 1, R"({"entity":"claim","claim_id":"c1","state":"SUBMITTED","net_fee":"120.50"})"},
      {2, 2, "not json: raw bytes"},
  };
  for (const auto& e : entries) {
    if (!(*log)->Append(e).ok()) return 1;
    clock.Advance(std::chrono::milliseconds(1500));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "write") return Write(args[1], args[2], std::stoi(args[3]));
  if (args.size() == 3 && args[0] == "check") return Check(args[1], args[2]);
  if (args.size() == 2 && args[0] == "golden") return Golden(args[1]);
  std::fprintf(stderr,
               "usage: crash_writer write DIR ACKS THREADS | check DIR ACKS | golden DIR\n");
  return 2;
}
