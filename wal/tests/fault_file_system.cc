#include "fault_file_system.h"

#include <thread>

namespace wal::testing {
namespace {

std::string Parent(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

class FaultFile final : public WritableFile {
 public:
  FaultFile(FaultFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Status Append(std::string_view data) override { return fs_->DoAppend(path_, data); }
  Status Sync() override { return fs_->DoSync(path_); }
  Status Close() override { return Status::Ok(); }

 private:
  FaultFileSystem* fs_;
  std::string path_;
};

class FaultLock final : public FileLock {
 public:
  FaultLock(FaultFileSystem* fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  ~FaultLock() override { fs_->Unlock(path_); }

 private:
  FaultFileSystem* fs_;
  std::string path_;
};

Status FaultError(Fault fault, const std::string& operation, const std::string& path) {
  if (fault == Fault::kNoSpace) {
    return claims::Unavailable("disk full: " + operation + " " + path +
                               ": No space left on device");
  }
  return claims::Internal(operation + " " + path + ": Input/output error");
}

}  // namespace

void FaultFileSystem::FailOperation(uint64_t n, Fault fault) {
  std::lock_guard lock(mu_);
  fail_at_ = n == 0 ? 0 : operations_ + n;
  fault_ = fault;
}

uint64_t FaultFileSystem::operations() const {
  std::lock_guard lock(mu_);
  return operations_;
}

void FaultFileSystem::DropUnsynced() {
  std::lock_guard lock(mu_);
  for (auto& [path, file] : files_) file.data.resize(file.synced);
}

void FaultFileSystem::CrashAtOperation(uint64_t n) {
  std::lock_guard lock(mu_);
  crash_at_ = operations_ + n;
}

void FaultFileSystem::Revive() {
  std::lock_guard lock(mu_);
  crashed_ = false;
  crash_at_ = 0;
}

bool FaultFileSystem::crashed() const {
  std::lock_guard lock(mu_);
  return crashed_;
}

std::string FaultFileSystem::Content(const std::string& path) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? "" : it->second.data;
}

void FaultFileSystem::SetContent(const std::string& path, std::string content) {
  std::lock_guard lock(mu_);
  File& f = files_[path];
  f.data = std::move(content);
  f.synced = f.data.size();
}

Fault FaultFileSystem::NextFault() {
  ++operations_;
  if (crash_at_ != 0 && operations_ >= crash_at_ && !crashed_) {
    crashed_ = true;
    for (auto& [path, file] : files_) file.data.resize(file.synced);
  }
  if (crashed_) return Fault::kIoError;
  if (fail_at_ != 0 && operations_ == fail_at_) return fault_;
  return Fault::kNone;
}

Status FaultFileSystem::DoAppend(const std::string& path, std::string_view data) {
  std::lock_guard lock(mu_);
  File& f = files_[path];
  const Fault fault = NextFault();
  if (fault == Fault::kShortWrite) {
    f.data.append(data.substr(0, data.size() / 2));
    return claims::Internal("short write to " + path);
  }
  if (fault != Fault::kNone) return FaultError(fault, "write", path);
  f.data.append(data);
  return Status::Ok();
}

void FaultFileSystem::SetSyncDelay(std::chrono::microseconds delay) {
  std::lock_guard lock(mu_);
  sync_delay_ = delay;
}

Status FaultFileSystem::DoSync(const std::string& path) {
  std::chrono::microseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = sync_delay_;
  }
  if (delay.count() > 0) std::this_thread::sleep_for(delay);
  std::lock_guard lock(mu_);
  File& f = files_[path];
  // A sync cannot be short: a short-write fault fails it as an I/O error.
  const Fault fault = NextFault();
  if (fault != Fault::kNone) return FaultError(fault, "fdatasync", path);
  f.synced = f.data.size();
  return Status::Ok();
}

StatusOr<std::unique_ptr<WritableFile>> FaultFileSystem::OpenAppend(const std::string& path,
                                                                    bool truncate) {
  std::lock_guard lock(mu_);
  if (const Fault fault = NextFault(); fault != Fault::kNone)
    return FaultError(fault, "open", path);
  if (!dirs_.count(Parent(path))) return claims::NotFound("open " + path + ": no such directory");
  File& f = files_[path];
  if (truncate) {
    f.data.clear();
    f.synced = 0;
  }
  return std::unique_ptr<WritableFile>(new FaultFile(this, path));
}

StatusOr<std::string> FaultFileSystem::ReadFile(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return claims::NotFound("open " + path + ": no such file");
  bytes_read_ += it->second.data.size();
  return it->second.data;
}

StatusOr<std::string> FaultFileSystem::ReadRange(const std::string& path, uint64_t offset,
                                                 size_t max_bytes) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return claims::NotFound("open " + path + ": no such file");
  const std::string& data = it->second.data;
  if (offset >= data.size()) return std::string();
  std::string out = data.substr(offset, max_bytes);
  bytes_read_ += out.size();
  return out;
}

uint64_t FaultFileSystem::bytes_read() const {
  std::lock_guard lock(mu_);
  return bytes_read_;
}

StatusOr<std::vector<std::string>> FaultFileSystem::ListDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!dirs_.count(dir)) return claims::NotFound("list " + dir + ": no such directory");
  std::vector<std::string> names;
  for (const auto& [path, file] : files_) {
    if (Parent(path) == dir) names.push_back(path.substr(dir.size() + 1));
  }
  return names;
}

Status FaultFileSystem::CreateDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  dirs_[dir] = true;
  return Status::Ok();
}

Status FaultFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  if (const Fault fault = NextFault(); fault != Fault::kNone)
    return FaultError(fault, "rename", from);
  auto it = files_.find(from);
  if (it == files_.end()) return claims::NotFound("rename " + from + ": no such file");
  File f = std::move(it->second);
  files_.erase(it);
  files_[to] = std::move(f);
  return Status::Ok();
}

Status FaultFileSystem::Remove(const std::string& path) {
  std::lock_guard lock(mu_);
  if (files_.erase(path) == 0) return claims::NotFound("remove " + path + ": no such file");
  return Status::Ok();
}

Status FaultFileSystem::Truncate(const std::string& path, uint64_t size) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return claims::NotFound("truncate " + path + ": no such file");
  it->second.data.resize(size);
  it->second.synced = it->second.data.size();
  return Status::Ok();
}

Status FaultFileSystem::SyncDir(const std::string& dir) {
  std::lock_guard lock(mu_);
  if (const Fault fault = NextFault(); fault != Fault::kNone)
    return FaultError(fault, "fsync", dir);
  return Status::Ok();
}

StatusOr<std::unique_ptr<FileLock>> FaultFileSystem::LockFile(const std::string& path) {
  std::lock_guard lock(mu_);
  if (locks_[path]) return claims::Locked(path + " is locked by another process");
  locks_[path] = true;
  return std::unique_ptr<FileLock>(new FaultLock(this, path));
}

void FaultFileSystem::Unlock(const std::string& path) {
  std::lock_guard lock(mu_);
  locks_[path] = false;
}

}  // namespace wal::testing
