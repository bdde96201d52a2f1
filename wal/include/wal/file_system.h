// The file-system seam of the WAL: every byte the log reads or writes goes through these
// interfaces, so tests can fail the Nth write or sync and simulate power loss
// (tests/fault_file_system.h). PosixFileSystem() is the real one.
//
// Errors are claims::Status with kInternal (I/O failure, naming the path and errno text) or
// kNotFound (missing file); ENOSPC is reported as kUnavailable ("disk full").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/status.h"

namespace wal {

using claims::Status;
using claims::StatusOr;

// A file open for appending. Not thread-safe: REQUIRES external synchronization.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` or fails (a short write is an error; some bytes may have been written).
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A held exclusive lock; released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens `path` for appending, creating it if missing; `truncate` empties it first.
  virtual StatusOr<std::unique_ptr<WritableFile>> OpenAppend(const std::string& path,
                                                             bool truncate) = 0;
  virtual StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Up to `max_bytes` of `path` from `offset`: fewer at the end of the file, none past it.
  virtual StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                          size_t max_bytes) = 0;
  // File names (not paths) in `dir`, unsorted.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Cuts `path` to `size` bytes and makes that durable.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creates, renames, removes) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `path` (created if missing).
  // Errors: kLocked if another process or opener holds it.
  virtual StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// The process's real file system. Thread-safe. Never destroyed.
FileSystem* PosixFileSystem();

}  // namespace wal
