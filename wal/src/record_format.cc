#include "wal/record_format.h"

#include <cstdio>
#include <cstring>

#include "wal/crc32c.h"

namespace wal {
namespace {

void Put16(std::string* out, uint16_t v) {
  for (int i = 0; i < 2; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void Put32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void Put64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t Get(std::string_view b, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

// The CRC of a record: the segment salt, then every byte after the CRC field.
uint32_t RecordCrc(uint64_t salt, std::string_view after_crc) {
  uint8_t salt_bytes[8];
  for (int i = 0; i < 8; ++i) salt_bytes[i] = static_cast<uint8_t>(salt >> (8 * i));
  const uint32_t seeded = Crc32cExtend(0, salt_bytes, sizeof salt_bytes);
  return Crc32cExtend(seeded, after_crc.data(), after_crc.size());
}

}  // namespace

std::string EncodeSegmentHeader(const SegmentHeader& header) {
  std::string out(kSegmentMagic, sizeof kSegmentMagic);
  Put32(&out, kFormatVersion);
  Put32(&out, static_cast<uint32_t>(kSegmentHeaderSize));
  Put64(&out, header.first_lsn);
  Put64(&out, header.salt);
  Put64(&out, header.created_us);
  out.resize(kSegmentHeaderSize - 4, '\0');
  Put32(&out, MaskCrc(Crc32c(out)));
  return out;
}

std::optional<SegmentHeader> DecodeSegmentHeader(std::string_view b, std::string* reason) {
  if (b.size() < kSegmentHeaderSize) {
    *reason = "segment header is truncated (" + std::to_string(b.size()) + " bytes)";
    return std::nullopt;
  }
  if (std::memcmp(b.data(), kSegmentMagic, sizeof kSegmentMagic) != 0) {
    *reason = "not a WAL segment (bad magic)";
    return std::nullopt;
  }
  if (UnmaskCrc(static_cast<uint32_t>(Get(b, kSegmentHeaderSize - 4, 4))) !=
      Crc32c(b.substr(0, kSegmentHeaderSize - 4))) {
    *reason = "segment header checksum mismatch";
    return std::nullopt;
  }
  const uint32_t version = static_cast<uint32_t>(Get(b, 8, 4));
  if (version != kFormatVersion) {
    *reason = "segment format version " + std::to_string(version) + " is not supported";
    return std::nullopt;
  }
  SegmentHeader h;
  h.first_lsn = Get(b, 16, 8);
  h.salt = Get(b, 24, 8);
  h.created_us = Get(b, 32, 8);
  return h;
}

void EncodeRecord(const Entry& entry, uint64_t salt, std::string* out) {
  const size_t start = out->size();
  Put32(out, 0);  // CRC, filled below
  Put32(out, static_cast<uint32_t>(entry.payload.size()));
  Put64(out, entry.lsn);
  Put64(out, entry.timestamp_us);
  Put16(out, entry.type);
  Put16(out, entry.schema_version);
  out->append(entry.payload);
  const uint32_t crc = MaskCrc(RecordCrc(salt, std::string_view(*out).substr(start + 4)));
  for (int i = 0; i < 4; ++i) (*out)[start + i] = static_cast<char>(crc >> (8 * i));
}

RecordStatus DecodeRecord(std::string_view b, uint64_t salt, Entry* entry, size_t* size) {
  if (b.size() < kRecordHeaderSize) return RecordStatus::kTruncated;
  const uint32_t length = static_cast<uint32_t>(Get(b, 4, 4));
  if (length > kMaxPayloadSize) return RecordStatus::kBadLength;
  if (b.size() < kRecordHeaderSize + length) return RecordStatus::kTruncated;
  const std::string_view body = b.substr(4, kRecordHeaderSize - 4 + length);
  if (UnmaskCrc(static_cast<uint32_t>(Get(b, 0, 4))) != RecordCrc(salt, body)) {
    return RecordStatus::kBadChecksum;
  }
  entry->lsn = Get(b, 8, 8);
  entry->timestamp_us = Get(b, 16, 8);
  entry->type = static_cast<uint16_t>(Get(b, 24, 2));
  entry->schema_version = static_cast<uint16_t>(Get(b, 26, 2));
  entry->payload.assign(b.substr(kRecordHeaderSize, length));
  *size = kRecordHeaderSize + length;
  return RecordStatus::kOk;
}

const char* RecordStatusName(RecordStatus status) {
  switch (status) {
    case RecordStatus::kOk:
      return "ok";
    case RecordStatus::kTruncated:
      return "truncated record";
    case RecordStatus::kBadChecksum:
      return "checksum mismatch";
    case RecordStatus::kBadLength:
      return "impossible record length";
  }
  return "?";
}

std::string SegmentFileName(uint64_t first_lsn) {
  char name[40];
  std::snprintf(name, sizeof name, "wal-%020llu.log", static_cast<unsigned long long>(first_lsn));
  return name;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  if (name.size() != 28 || name.substr(0, 4) != "wal-" || name.substr(24) != ".log") {
    return std::nullopt;
  }
  uint64_t v = 0;
  for (char c : name.substr(4, 20)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace wal
