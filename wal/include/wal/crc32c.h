// CRC32C (Castagnoli), as iSCSI and leveldb use, and the masking that keeps a CRC stored in data
// from being a CRC of the data around it (a payload that embeds its own checksum).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wal {

// The CRC32C of `data`, continuing from `crc` (the CRC of what came before; 0 to start).
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data.data(), data.size()); }

// Rotates and offsets a CRC before it is stored (leveldb's scheme).
inline uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }
inline uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

}  // namespace wal
