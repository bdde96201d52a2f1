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

struct ReseatReport {
  std::string set_aside_dir;  // where the old segments went ("" when there were none)
  uint64_t old_last_lsn = 0;  // the last entry they held
  uint64_t next_lsn = 0;      // the LSN the log continues with
};

// Continues the log in `dir` after `after_lsn`, for a WAL that lost entries its database has
// applied (a `repair --force` cut, a removed segment, a recreated directory): new entries must
// not reuse LSNs the database and the relay have passed. The old segments are moved into
// "<dir>/reseated-<after_lsn>/" (kept for walctl dump; their events the relay had not
// published are not published), and a new first segment starts at after_lsn + 1.
// Errors: kLocked when the log is open elsewhere; kFailedPrecondition when it holds entries past
// after_lsn (nothing to reseat: the log is ahead).
StatusOr<ReseatReport> ReseatLog(FileSystem* fs, const std::string& dir, uint64_t after_lsn);

}  // namespace wal
