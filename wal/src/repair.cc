#include "wal/repair.h"

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

}  // namespace wal
