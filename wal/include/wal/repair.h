// Cutting a damaged log back to its last good entry, keeping copies of everything cut.
// Log::Open does this for a torn tail; `walctl repair` for a torn tail, and with --force for
// corruption (which loses every entry after the damage: an operator's decision).
#pragma once

#include <string>
#include <vector>

#include "wal/file_system.h"
#include "wal/log_scanner.h"

namespace wal {

struct CutReport {
  std::vector<std::string> kept;  // paths of the copies of what was cut
  uint64_t cut_bytes = 0;
  uint64_t last_lsn = 0;  // the last entry the log keeps
};

// Cuts `dir` at scan.damaged_path / scan.damaged_offset: the bytes from there to the end of that
// segment are copied to "<segment>.torn-<offset>" and truncated away, and every later segment is
// renamed to "<segment>.broken". REQUIRES: scan.damage != kNone, and nobody has the log open.
StatusOr<CutReport> CutLog(FileSystem* fs, const std::string& dir, const ScanResult& scan);

}  // namespace wal
