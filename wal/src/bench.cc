#include "wal/bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

namespace wal {
namespace {

using SteadyClock = std::chrono::steady_clock;

StatusOr<RateFigures> RunOne(const BenchOptions& options, int writers, size_t payload) {
  std::filesystem::remove_all(options.dir + "/log");
  Options log_options;
  log_options.fsync = options.fsync;
  StatusOr<std::unique_ptr<Log>> log = Log::Open(options.dir + "/log", log_options);
  if (!log.ok()) return log.status();
  std::vector<std::vector<double>> per_thread(static_cast<size_t>(writers));
  std::atomic<bool> failed{false};
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration<double>(options.seconds_per_run);
  std::vector<std::thread> threads;
  threads.reserve(writers);
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      const std::string body(payload, static_cast<char>('a' + t % 26));
      while (SteadyClock::now() < end && !failed.load()) {
        const auto t0 = SteadyClock::now();
        if (!(*log)->Append(NewEntry{1, 1, body}).ok()) failed = true;
        per_thread[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  if (failed) return (*log)->failure();
  std::vector<double> all;
  for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return SummariseLatencies(all, elapsed);
}

}  // namespace

RateFigures SummariseLatencies(std::vector<double>& latencies_us, double seconds) {
  RateFigures f;
  if (latencies_us.empty() || seconds <= 0) return f;
  std::sort(latencies_us.begin(), latencies_us.end());
  f.rate = static_cast<double>(latencies_us.size()) / seconds;
  f.p50_us = latencies_us[latencies_us.size() / 2];
  f.p99_us = latencies_us[latencies_us.size() * 99 / 100];
  return f;
}

RateFigures MeasureFdatasync(const std::string& dir, double seconds, size_t max_operations) {
  const std::string path = dir + "/raw-fdatasync.bench";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {};
  const std::string record(256, 'r');
  std::vector<double> latencies;
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (SteadyClock::now() < end && latencies.size() < max_operations) {
    const auto t0 = SteadyClock::now();
    if (::write(fd, record.data(), record.size()) < 0 || ::fdatasync(fd) != 0) break;
    latencies.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t0).count());
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  ::close(fd);
  std::filesystem::remove(path);
  return SummariseLatencies(latencies, elapsed);
}

Status RunBench(const BenchOptions& options, std::ostream& out) {
  std::filesystem::create_directories(options.dir);
  const RateFigures raw = MeasureFdatasync(options.dir, options.seconds_per_run);
  char line[256];
  std::snprintf(line, sizeof line,
                "raw fdatasync (256 B + fdatasync): %.0f/s  p50 %.0f us  p99 %.0f us\n", raw.rate,
                raw.p50_us, raw.p99_us);
  out << line;
  out << "writers  payload   appends/s   x raw   p50 us   p99 us   p99 limit us\n";
  // The latency aim: within 2 x the disk's p99 fdatasync + 1 ms.
  const double p99_limit = 2 * raw.p99_us + 1000;
  for (size_t payload : options.payload_bytes) {
    for (int writers : options.writers) {
      StatusOr<RateFigures> f = RunOne(options, writers, payload);
      if (!f.ok()) return f.status();
      std::snprintf(line, sizeof line, "%7d  %7zu  %10.0f  %6.1f  %7.0f  %7.0f  %9.0f%s\n", writers,
                    payload, f->rate, raw.rate > 0 ? f->rate / raw.rate : 0, f->p50_us, f->p99_us,
                    p99_limit, f->p99_us <= p99_limit ? "" : "  (over)");
      out << line << std::flush;
    }
  }
  std::filesystem::remove_all(options.dir + "/log");
  return Status::Ok();
}

}  // namespace wal
