// The on-disk format of WAL segments and records. Prose and byte layout: wal/docs/format.md.
// All integers are little-endian.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wal {

// One log entry as callers see it.
struct Entry {
  uint64_t lsn = 0;           // dense, from 1; assigned by the log
  uint64_t timestamp_us = 0;  // microseconds since the Unix epoch, when appended
  uint16_t type = 0;          // what the payload is; meaning belongs to the writer
  uint16_t schema_version = 1;
  std::string payload;  // JSON in practice; any bytes allowed

  friend bool operator==(const Entry&, const Entry&) = default;
};

inline constexpr char kSegmentMagic[8] = {'C', 'L', 'A', 'I', 'M', 'W', 'A', 'L'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kRecordHeaderSize = 28;
// Larger payloads are refused on append and treated as damage on read.
inline constexpr uint32_t kMaxPayloadSize = 64u << 20;

struct SegmentHeader {
  uint64_t first_lsn = 0;
  uint64_t salt = 0;  // random per segment file; mixed into every record CRC of the file
  uint64_t created_us = 0;
};

// The 64-byte header of a segment file.
std::string EncodeSegmentHeader(const SegmentHeader& header);
// nullopt (with *reason) when the bytes are not a valid header of this format version.
std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view bytes, std::string* reason);

// Appends the record for `entry` to *out. `salt` is the segment's.
void EncodeRecord(const Entry& entry, uint64_t salt, std::string* out);

enum class RecordStatus {
  kOk,
  kTruncated,    // the bytes end before the record does
  kBadChecksum,  // the CRC does not match (damage, or a record from an earlier use of the space)
  kBadLength,    // the length field is impossible
};

// Decodes the record at the start of `bytes`. On kOk fills *entry and *size (header + payload).
RecordStatus DecodeRecord(std::string_view bytes, uint64_t salt, Entry* entry, size_t* size);

const char* RecordStatusName(RecordStatus status);

// "wal-00000000000000000001.log" for first LSN 1; segments sort by name in LSN order.
std::string SegmentFileName(uint64_t first_lsn);
// The first LSN a segment file name carries; nullopt for other names.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

}  // namespace wal
