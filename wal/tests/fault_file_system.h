// FaultFileSystem: an in-memory FileSystem for tests that can
//   - fail the Nth operation of the append path (Append, Sync, OpenAppend, Rename, SyncDir,
//     counted together from 1) with a short write (Append only; EIO elsewhere), ENOSPC or EIO;
//   - simulate power loss: DropUnsynced() forgets every byte appended since its file's last Sync.
// Directory operations (create, rename, remove) take effect at once and survive power loss.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "wal/file_system.h"

namespace wal::testing {

enum class Fault { kNone, kShortWrite, kNoSpace, kIoError };

class FaultFileSystem final : public FileSystem {
 public:
  // Fails operation number `n` (1-based, counting from now) with `fault`; 0 disables.
  void FailOperation(uint64_t n, Fault fault);
  // Makes every Sync take this long (outside the lock), like a real disk.
  void SetSyncDelay(std::chrono::microseconds delay);
  // Operations of the append path done so far.
  uint64_t operations() const;
  // Bytes handed out by ReadFile and ReadRange so far.
  uint64_t bytes_read() const;
  // Every file returns to the content it had at its last Sync (or Truncate).
  void DropUnsynced();
  // Power loss at operation number `n` (1-based, from now): that operation and every later one
  // fail with EIO, and unsynced bytes are dropped, as if the machine stopped there.
  // Revive() lets a new "boot" use the files again.
  void CrashAtOperation(uint64_t n);
  void Revive();
  bool crashed() const;
  // Direct access for tests that damage files.
  std::string Content(const std::string& path) const;
  void SetContent(const std::string& path, std::string content);

  StatusOr<std::unique_ptr<WritableFile>> OpenAppend(const std::string& path,
                                                     bool truncate) override;
  StatusOr<std::string> ReadFile(const std::string& path) override;
  StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                  size_t max_bytes) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
  Status CreateDir(const std::string& dir) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  // Used by the files it hands out.
  Status DoAppend(const std::string& path, std::string_view data);
  Status DoSync(const std::string& path);
  void Unlock(const std::string& path);

 private:
  struct File {
    std::string data;
    size_t synced = 0;  // bytes of data that survive power loss
  };
  // Counts a data operation; returns the fault to apply to it.
  Fault NextFault();  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::map<std::string, File> files_;
  std::map<std::string, bool> dirs_;
  std::map<std::string, bool> locks_;
  uint64_t operations_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t fail_at_ = 0;
  Fault fault_ = Fault::kNone;
  std::chrono::microseconds sync_delay_{0};
  uint64_t crash_at_ = 0;
  bool crashed_ = false;
};

}  // namespace wal::testing
