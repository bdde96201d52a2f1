#include "wal/repair.h"

#include "wal/log.h"

namespace wal {

StatusOr<CutReport> CutLog(FileSystem* fs, const std::string& dir, const ScanResult& scan) {
  CutReport report;
  report.last_lsn = scan.last_lsn;
  StatusOr<std::string> bytes = fs->ReadFile(scan.damaged_path);
  if (!bytes.ok()) return bytes.status();
  const uint64_t offset = std::min<uint64_t>(scan.damaged_offset, bytes->size());
  if (offset < bytes->size()) {
    const std::string copy = scan.damaged_path + ".torn-" + std::to_string(offset);
    StatusOr<std::unique_ptr<WritableFile>> f = fs->OpenAppend(copy, true);
    if (!f.ok()) return f.status();
    CLAIMS_RETURN_IF_ERROR((*f)->Append(std::string_view(*bytes).substr(offset)));
    CLAIMS_RETURN_IF_ERROR((*f)->Sync());
    CLAIMS_RETURN_IF_ERROR((*f)->Close());
    report.kept.push_back(copy);
    report.cut_bytes += bytes->size() - offset;
  }
  if (offset == 0) {
    // The header itself is damaged: the whole segment goes.
    CLAIMS_RETURN_IF_ERROR(fs->Remove(scan.damaged_path));
  } else {
    CLAIMS_RETURN_IF_ERROR(fs->Truncate(scan.damaged_path, offset));
  }
  // ScanLog lists only the segments up to the damage; later ones are found by name (zero-padded
  // names sort in LSN order).
  StatusOr<std::vector<std::string>> names = fs->ListDir(dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    const auto first = ParseSegmentFileName(name);
    const std::string path = JoinPath(dir, name);
    if (!first || path <= scan.damaged_path) continue;
    CLAIMS_RETURN_IF_ERROR(fs->Rename(path, path + ".broken"));
    report.kept.push_back(path + ".broken");
  }
  CLAIMS_RETURN_IF_ERROR(fs->SyncDir(dir));
  return report;
}

StatusOr<ReseatReport> ReseatLog(FileSystem* fs, const std::string& dir, uint64_t after_lsn) {
  ReseatReport report;
  {
    StatusOr<std::unique_ptr<FileLock>> lock = LockLogDir(fs, dir);
    if (!lock.ok()) return lock.status();
    StatusOr<ScanResult> scan = ScanLog(fs, dir);
    if (!scan.ok()) return scan.status();
    // Where the log ends: its last entry, or just before the first LSN of an empty segment.
    uint64_t end = scan->last_lsn;
    if (end == 0 && !scan->segments.empty()) end = scan->segments.back().first_lsn - 1;
    report.old_last_lsn = end;
    if (end > after_lsn) {
      return claims::FailedPrecondition("WAL " + dir + " goes up to LSN " + std::to_string(end) +
                                        ", past " + std::to_string(after_lsn) +
                                        ": nothing to reseat");
    }
    StatusOr<std::vector<std::string>> names = fs->ListDir(dir);
    if (!names.ok()) return names.status();
    std::vector<std::string> segments;
    for (const std::string& name : *names) {
      if (ParseSegmentFileName(name)) segments.push_back(name);
    }
    if (!segments.empty()) {
      report.set_aside_dir = JoinPath(dir, "reseated-" + std::to_string(after_lsn));
      CLAIMS_RETURN_IF_ERROR(fs->CreateDir(report.set_aside_dir));
      for (const std::string& name : segments) {
        CLAIMS_RETURN_IF_ERROR(
            fs->Rename(JoinPath(dir, name), JoinPath(report.set_aside_dir, name)));
      }
      CLAIMS_RETURN_IF_ERROR(fs->SyncDir(report.set_aside_dir));
      CLAIMS_RETURN_IF_ERROR(fs->SyncDir(dir));
    }
  }
  // The lock is released: Log::Open takes it again and writes the new first segment.
  Options options;
  options.fs = fs;
  options.first_lsn = after_lsn + 1;
  StatusOr<std::unique_ptr<Log>> log = Log::Open(dir, options);
  if (!log.ok()) return log.status();
  report.next_lsn = (*log)->durable_lsn() + 1;
  return report;
}

}  // namespace wal
