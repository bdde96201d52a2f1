#include "wal/log_scanner.h"

#include <algorithm>

namespace wal {
namespace {

constexpr size_t kSectorSize = 512;

// Where the next valid record of this segment (its salt, an LSN at or past `expected_lsn`)
// starts after `offset`, or bytes.size() if none does.
size_t NextValidRecord(std::string_view bytes, size_t offset, uint64_t salt,
                       uint64_t expected_lsn) {
  Entry entry;
  size_t size = 0;
  for (size_t at = offset + 1; at + kRecordHeaderSize <= bytes.size(); ++at) {
    if (DecodeRecord(bytes.substr(at), salt, &entry, &size) == RecordStatus::kOk &&
        entry.lsn >= expected_lsn) {
      return at;
    }
  }
  return bytes.size();
}

// True when a whole sector-aligned 512-byte block inside [begin, end) is all zeros.
bool HasZeroSector(std::string_view bytes, size_t begin, size_t end) {
  for (size_t s = (begin + kSectorSize - 1) / kSectorSize * kSectorSize; s + kSectorSize <= end;
       s += kSectorSize) {
    if (bytes.substr(s, kSectorSize).find_first_not_of('\0') == std::string_view::npos) {
      return true;
    }
  }
  return false;
}

// Damage in the last segment at `offset` is a torn write, not corruption, when
//   - no valid record follows it (the crash cut the last write short), or
//   - the damaged stretch holds a zeroed sector: pages of an unsynced write reached the disk out
//     of order and a hole reads back as zeros. Synced data never has such a hole, and every
//     record after it was written later, so none of them was acknowledged either.
bool IsTornWrite(std::string_view bytes, size_t offset, uint64_t salt, uint64_t expected_lsn) {
  const size_t next = NextValidRecord(bytes, offset, salt, expected_lsn);
  return next == bytes.size() || HasZeroSector(bytes, offset, next);
}

}  // namespace

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

StatusOr<ScanResult> ScanLog(FileSystem* fs, const std::string& dir, uint64_t from_lsn,
                             const std::function<bool(const Entry&)>& visit) {
  StatusOr<std::vector<std::string>> names = fs->ListDir(dir);
  if (!names.ok()) return names.status();
  std::vector<std::pair<uint64_t, std::string>> files;
  for (const std::string& name : *names) {
    if (auto lsn = ParseSegmentFileName(name)) files.emplace_back(*lsn, name);
  }
  std::sort(files.begin(), files.end());

  ScanResult result;
  bool visiting = true;
  uint64_t expected = files.empty() ? 0 : files.front().first;
  for (size_t i = 0; i < files.size(); ++i) {
    const bool last = i + 1 == files.size();
    SegmentInfo seg;
    seg.path = JoinPath(dir, files[i].second);
    seg.first_lsn = files[i].first;
    StatusOr<std::string> bytes = fs->ReadFile(seg.path);
    if (!bytes.ok()) return bytes.status();
    seg.bytes = bytes->size();
    result.bytes += seg.bytes;
    const auto fail = [&](Damage damage, uint64_t offset, std::string reason) {
      result.damage = damage;
      result.damaged_path = seg.path;
      result.damaged_offset = offset;
      result.reason = std::move(reason);
    };
    std::string reason;
    const auto header = DecodeSegmentHeader(*bytes, &reason);
    if (!header) {
      result.segments.push_back(seg);
      fail(Damage::kCorrupt, 0, reason);
      return result;
    }
    seg.salt = header->salt;
    if (header->first_lsn != seg.first_lsn || seg.first_lsn != expected) {
      result.segments.push_back(seg);
      fail(Damage::kCorrupt, 0,
           "segment starts at LSN " + std::to_string(header->first_lsn) + " (file name says " +
               std::to_string(seg.first_lsn) + "); expected " + std::to_string(expected));
      return result;
    }
    size_t offset = kSegmentHeaderSize;
    const std::string_view view(*bytes);
    while (offset < view.size()) {
      Entry entry;
      size_t size = 0;
      RecordStatus status = DecodeRecord(view.substr(offset), seg.salt, &entry, &size);
      if (status == RecordStatus::kOk && entry.lsn != expected) {
        reason = "record has LSN " + std::to_string(entry.lsn) + ", expected " +
                 std::to_string(expected);
      } else if (status != RecordStatus::kOk) {
        reason = RecordStatusName(status);
      }
      if (status != RecordStatus::kOk || entry.lsn != expected) {
        const bool torn = last && IsTornWrite(view, offset, seg.salt, expected);
        result.segments.push_back(seg);
        fail(torn ? Damage::kTornTail : Damage::kCorrupt, offset, reason);
        return result;
      }
      if (result.first_lsn == 0) result.first_lsn = entry.lsn;
      result.last_lsn = entry.lsn;
      ++seg.entries;
      ++expected;
      offset += size;
      if (visiting && visit && entry.lsn >= from_lsn) visiting = visit(entry);
    }
    result.segments.push_back(seg);
  }
  return result;
}

}  // namespace wal
