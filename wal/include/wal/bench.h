// The WAL benchmark (`walctl bench`): durable appends/s and append latency for several writer
// counts and payload sizes, beside the raw fdatasync rate of the same directory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "wal/log.h"

namespace wal {

struct BenchOptions {
  std::string dir;  // scratch directory; emptied per run
  double seconds_per_run = 2.0;
  std::vector<int> writers = {1, 8, 64};
  std::vector<size_t> payload_bytes = {256, 1024};
  FsyncPolicy fsync = FsyncPolicy::kAlways;
};

// Runs every (writers, payload) pair and prints a table to `out`.
Status RunBench(const BenchOptions& options, std::ostream& out);

// A rate with its latency percentiles.
struct RateFigures {
  double rate = 0;  // operations per second
  double p50_us = 0;
  double p99_us = 0;
};

// Sorts `latencies_us` (one per operation) and summarises them over `seconds`.
RateFigures SummariseLatencies(std::vector<double>& latencies_us, double seconds);

// The disk's floor: 256-byte appends each followed by fdatasync, in `dir`, for `seconds` or
// `max_operations`, whichever ends first. Zero figures if the file cannot be written.
RateFigures MeasureFdatasync(const std::string& dir, double seconds,
                             size_t max_operations = SIZE_MAX);

}  // namespace wal
