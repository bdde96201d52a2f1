// LogScanner: reads a WAL directory from disk and tells what is there: the segments, every valid
// entry in LSN order, and the first damage, classified as a torn tail (a crash mid-write, in the
// last segment: no valid record after the bad bytes, or a zeroed 512-byte sector among them,
// which is how unsynced pages that never reached the disk read back) or corruption (anything
// else: bad bytes with valid records after them, a damaged header, a gap in LSNs).
// Used by Log::Open for recovery and by walctl. Stateless; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "wal/file_system.h"
#include "wal/record_format.h"

namespace wal {

struct SegmentInfo {
  std::string path;
  uint64_t first_lsn = 0;  // from the file name, checked against the header
  uint64_t salt = 0;
  uint64_t bytes = 0;    // file size
  uint64_t entries = 0;  // valid entries read from it
};

enum class Damage { kNone, kTornTail, kCorrupt };

struct ScanResult {
  std::vector<SegmentInfo> segments;  // in LSN order
  uint64_t first_lsn = 0;             // of the first valid entry (0 when there is none)
  uint64_t last_lsn = 0;              // of the last valid entry (0 when there is none)
  uint64_t bytes = 0;                 // all segment bytes
  Damage damage = Damage::kNone;
  std::string damaged_path;  // where the damage starts
  uint64_t damaged_offset = 0;
  std::string reason;  // what is wrong there
};

// Scans `dir`. `visit`, if given, sees each valid entry with lsn >= from_lsn in order, until it
// returns false or the damage. Errors: only I/O failures (damage is reported in the result).
StatusOr<ScanResult> ScanLog(FileSystem* fs, const std::string& dir, uint64_t from_lsn = 0,
                             const std::function<bool(const Entry&)>& visit = nullptr);

// Path helpers shared by the log, the scanner and walctl.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace wal
