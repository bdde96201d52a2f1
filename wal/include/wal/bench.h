// The WAL benchmark (`walctl bench`): durable appends/s and append latency for several writer
// counts and payload sizes, beside the raw fdatasync rate of the same directory.
#pragma once

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

}  // namespace wal
