// Helpers shared by the WAL tests.
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wal/log.h"

namespace wal::testing {

inline NewEntry Payload(const std::string& text, uint16_t type = 1) {
  return NewEntry{type, 1, text};
}

// Every entry of the log in order (read through a scan of the files).
inline std::vector<Entry> ReadAll(FileSystem* fs, const std::string& dir) {
  std::vector<Entry> out;
  auto scan = ScanLog(fs, dir, 0, [&](const Entry& e) {
    out.push_back(e);
    return true;
  });
  EXPECT_TRUE(scan.ok()) << scan.status().ToString();
  return out;
}

// The payload a test writes for an acknowledged LSN, so recovery can check it byte for byte.
inline std::string PayloadFor(uint64_t tag) {
  return "{\"tag\":" + std::to_string(tag) + ",\"pad\":\"" + std::string(tag % 97, 'p') + "\"}";
}

}  // namespace wal::testing
