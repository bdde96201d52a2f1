#include "wal/log.h"

#include "wal/repair.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <tuple>

namespace wal {
namespace {

constexpr size_t kMaxGroupBytes = 8u << 20;

uint64_t RandomSalt() {
  uint64_t salt = 0;
  while (getrandom(&salt, sizeof salt, 0) != static_cast<ssize_t>(sizeof salt)) {
    if (errno != EINTR) break;
  }
  return salt == 0 ? 0x9e3779b97f4a7c15ull : salt;
}

uint64_t MicrosSinceEpoch(std::chrono::system_clock::time_point t) {
  return static_cast<uint64_t>(claims::UnixMicros(t));
}

const claims::Clock* DefaultClock() {
  static claims::SystemClock* clock = new claims::SystemClock();
  return clock;
}

}  // namespace

bool ParseFsyncPolicy(std::string_view text, FsyncPolicy* policy) {
  if (text == "always")
    *policy = FsyncPolicy::kAlways;
  else if (text == "interval")
    *policy = FsyncPolicy::kInterval;
  else if (text == "none")
    *policy = FsyncPolicy::kNone;
  else
    return false;
  return true;
}

const char* FsyncPolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways:
      return "always";
    case FsyncPolicy::kInterval:
      return "interval";
    case FsyncPolicy::kNone:
      return "none";
  }
  return "always";
}

struct Log::Writer {
  std::vector<NewEntry>* entries = nullptr;
  size_t bytes = 0;
  uint64_t first_lsn = 0;
  Status status;
  bool done = false;
  std::condition_variable cv;
};

Log::Log(std::string dir, const Options& options)
    : dir_(std::move(dir)),
      options_(options),
      clock_(options.clock != nullptr ? options.clock : DefaultClock()) {}

StatusOr<std::unique_ptr<FileLock>> LockLogDir(FileSystem* fs, const std::string& dir) {
  StatusOr<std::unique_ptr<FileLock>> lock = fs->LockFile(JoinPath(dir, "LOCK"));
  if (!lock.ok() && lock.status().code() == claims::StatusCode::kLocked) {
    return claims::Locked("WAL " + dir + " is open in another process (" + lock.status().message() +
                          "): stop its instance first");
  }
  return lock;
}

StatusOr<std::unique_ptr<Log>> Log::Open(const std::string& dir, const Options& options,
                                         OpenReport* report) {
  FileSystem* fs = options.fs;
  CLAIMS_RETURN_IF_ERROR(fs->CreateDir(dir));
  std::unique_ptr<Log> log(new Log(dir, options));
  StatusOr<std::unique_ptr<FileLock>> lock = LockLogDir(fs, dir);
  if (!lock.ok()) return lock.status();
  log->lock_ = std::move(*lock);

  // Leftovers of a segment creation that crashed before its rename.
  StatusOr<std::vector<std::string>> names = fs->ListDir(dir);
  if (!names.ok()) return names.status();
  for (const std::string& name : *names) {
    if (name.size() > 4 && name.ends_with(".tmp")) (void)fs->Remove(JoinPath(dir, name));
  }

  StatusOr<ScanResult> scan = ScanLog(fs, dir);
  if (!scan.ok()) return scan.status();
  OpenReport local;
  OpenReport& rep = report ? *report : local;
  if (scan->damage == Damage::kCorrupt) {
    return claims::FailedPrecondition(
        "WAL " + dir + " is corrupt at " + scan->damaged_path + " offset " +
        std::to_string(scan->damaged_offset) + ": " + scan->reason +
        ". Inspect with `walctl verify " + dir + "` and `walctl dump " + dir +
        "`; `walctl repair --force " + dir +
        "` cuts the log there (keeping a copy), losing every entry after it");
  }
  uint64_t active_bytes = 0;
  if (scan->damage == Damage::kTornTail) {
    StatusOr<CutReport> cut = CutLog(fs, dir, *scan);
    if (!cut.ok()) return cut.status();
    rep.cut_torn_tail = true;
    rep.cut_bytes = cut->cut_bytes;
    if (!cut->kept.empty()) rep.torn_copy_path = cut->kept.front();
    active_bytes = scan->damaged_offset;
  } else if (!scan->segments.empty()) {
    active_bytes = scan->segments.back().bytes;
  }
  rep.last_lsn = scan->last_lsn;

  Log& l = *log;
  std::lock_guard io(l.io_mu_);
  if (scan->segments.empty()) {
    l.next_lsn_ = std::max<uint64_t>(1, options.first_lsn);
    CLAIMS_RETURN_IF_ERROR(l.StartSegment(l.next_lsn_));
  } else {
    for (const SegmentInfo& s : scan->segments) {
      l.segment_first_lsns_.push_back(s.first_lsn);
      l.IndexSegment(s.first_lsn, s.salt);
    }
    const SegmentInfo& last = scan->segments.back();
    l.next_lsn_ = scan->last_lsn == 0 ? last.first_lsn : scan->last_lsn + 1;
    StatusOr<std::unique_ptr<WritableFile>> active = fs->OpenAppend(last.path, false);
    if (!active.ok()) return active.status();
    l.active_ = std::move(*active);
    l.active_first_lsn_ = last.first_lsn;
    l.active_salt_ = last.salt;
    l.active_bytes_ = active_bytes;
  }
  l.written_lsn_ = l.next_lsn_ - 1;
  l.durable_lsn_ = l.written_lsn_;
  if (options.fsync == FsyncPolicy::kInterval) l.syncer_ = std::thread([&l] { l.SyncLoop(); });
  return log;
}

Log::~Log() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  sync_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  std::lock_guard io(io_mu_);
  if (active_ && failure_.ok() && options_.fsync != FsyncPolicy::kAlways) (void)active_->Sync();
  if (active_) (void)active_->Close();
}

// Creates a segment safely: header written and synced under a temporary name, renamed, and the
// directory synced, so a segment file under its real name always has a whole header.
Status Log::StartSegment(uint64_t first_lsn) {
  FileSystem* fs = options_.fs;
  if (active_) {
    // A closed segment is always fully durable: recovery treats damage in it as corruption.
    CLAIMS_RETURN_IF_ERROR(active_->Sync());
    CLAIMS_RETURN_IF_ERROR(active_->Close());
    active_.reset();
  }
  const std::string path = JoinPath(dir_, SegmentFileName(first_lsn));
  const std::string tmp = path + ".tmp";
  SegmentHeader header{first_lsn, RandomSalt(), MicrosSinceEpoch(clock_->Now())};
  {
    StatusOr<std::unique_ptr<WritableFile>> f = fs->OpenAppend(tmp, true);
    if (!f.ok()) return f.status();
    CLAIMS_RETURN_IF_ERROR((*f)->Append(EncodeSegmentHeader(header)));
    CLAIMS_RETURN_IF_ERROR((*f)->Sync());
    CLAIMS_RETURN_IF_ERROR((*f)->Close());
  }
  CLAIMS_RETURN_IF_ERROR(fs->Rename(tmp, path));
  CLAIMS_RETURN_IF_ERROR(fs->SyncDir(dir_));
  StatusOr<std::unique_ptr<WritableFile>> f = fs->OpenAppend(path, false);
  if (!f.ok()) return f.status();
  active_ = std::move(*f);
  active_first_lsn_ = first_lsn;
  active_salt_ = header.salt;
  active_bytes_ = kSegmentHeaderSize;
  IndexSegment(first_lsn, header.salt);
  std::lock_guard lock(mu_);
  segment_first_lsns_.push_back(first_lsn);
  return Status::Ok();
}

StatusOr<uint64_t> Log::Append(NewEntry entry) {
  std::vector<NewEntry> one;
  one.push_back(std::move(entry));
  return AppendBatch(std::move(one));
}

StatusOr<uint64_t> Log::AppendBatch(std::vector<NewEntry> entries) {
  if (entries.empty()) return claims::InvalidArgument("empty batch");
  const auto called = std::chrono::steady_clock::now();
  const auto answered = [&](uint64_t first_lsn) {
    if (options_.observer) options_.observer->OnAppend(std::chrono::steady_clock::now() - called);
    return first_lsn;
  };
  // Shared with the leader that completes it, which wakes it after releasing mu_: the writer must
  // outlive that wake-up even if this thread returns first.
  auto w = std::make_shared<Writer>();
  w->entries = &entries;
  for (const NewEntry& e : entries) {
    if (e.payload.size() > kMaxPayloadSize) {
      return claims::InvalidArgument("payload of " + std::to_string(e.payload.size()) +
                                     " bytes is over the limit of " +
                                     std::to_string(kMaxPayloadSize));
    }
    w->bytes += kRecordHeaderSize + e.payload.size();
  }

  std::unique_lock lock(mu_);
  queue_.push_back(w);
  while (!w->done && queue_.front() != w) w->cv.wait(lock);
  if (w->done) {
    if (!w->status.ok()) return w->status;
    return answered(w->first_lsn);
  }

  // This writer leads: it takes every queued writer (up to kMaxGroupBytes) into one group.
  std::vector<std::shared_ptr<Writer>> group;
  size_t group_bytes = 0;
  for (const auto& q : queue_) {
    if (!group.empty() && group_bytes + q->bytes > kMaxGroupBytes) break;
    group.push_back(q);
    group_bytes += q->bytes;
  }
  Status status = failure_.ok() ? Status::Ok()
                                : claims::Unavailable("WAL " + dir_ +
                                                      " refuses appends after an "
                                                      "earlier failure: " +
                                                      failure_.message());
  const uint64_t group_first = next_lsn_;
  if (status.ok()) {
    for (const auto& q : group) {
      q->first_lsn = next_lsn_;
      next_lsn_ += q->entries->size();
    }
  }
  const uint64_t group_last = next_lsn_ - 1;
  lock.unlock();

  if (status.ok()) {
    const uint64_t now = MicrosSinceEpoch(clock_->Now());
    std::string bytes;
    bytes.reserve(group_bytes);
    std::lock_guard io(io_mu_);
    if (active_bytes_ >= options_.segment_bytes) status = StartSegment(group_first);
    if (status.ok()) {
      for (const auto& q : group) {
        uint64_t lsn = q->first_lsn;
        for (NewEntry& e : *q->entries) {
          Entry record{lsn++, now, e.type, e.schema_version, std::move(e.payload)};
          EncodeRecord(record, active_salt_, &bytes);
        }
      }
      AddIndexPoint(active_first_lsn_, group_first, active_bytes_);
      status = WriteGroup(bytes, group_last - group_first + 1);
    }
  }

  lock.lock();
  if (status.ok()) {
    written_lsn_ = group_last;
    if (options_.fsync != FsyncPolicy::kInterval) durable_lsn_ = group_last;
  } else if (failure_.ok()) {
    failure_ = status;
  }
  for (const auto& q : group) {
    queue_.pop_front();
    q->status = status;
    q->done = true;
  }
  std::shared_ptr<Writer> next_leader = queue_.empty() ? nullptr : queue_.front();
  lock.unlock();
  // Wake-ups happen outside mu_, so the woken threads do not queue up on it.
  if (next_leader) next_leader->cv.notify_one();
  for (const auto& q : group) {
    if (q != w) q->cv.notify_one();
  }
  if (!status.ok()) return status;
  return answered(w->first_lsn);
}

Status Log::WriteGroup(const std::string& bytes, size_t entries) {
  const auto start = std::chrono::steady_clock::now();
  CLAIMS_RETURN_IF_ERROR(active_->Append(bytes));
  active_bytes_ += bytes.size();
  const auto written = std::chrono::steady_clock::now();
  Status synced = Status::Ok();
  if (options_.fsync == FsyncPolicy::kAlways) synced = active_->Sync();
  if (synced.ok() && options_.observer) {
    options_.observer->OnGroup(entries, bytes.size(), written - start,
                               std::chrono::steady_clock::now() - written);
  }
  return synced;
}

void Log::SyncLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    sync_cv_.wait_for(lock, options_.fsync_interval);
    if (stopping_ || !failure_.ok() || durable_lsn_ == written_lsn_) continue;
    lock.unlock();
    Status status;
    uint64_t synced = 0;
    {
      std::lock_guard io(io_mu_);
      {
        std::lock_guard l(mu_);
        synced = written_lsn_;  // everything written so far is in the active file or synced
      }
      status = active_->Sync();
    }
    lock.lock();
    if (status.ok()) {
      durable_lsn_ = std::max(durable_lsn_, synced);
    } else if (failure_.ok()) {
      failure_ = status;
    }
  }
}

uint64_t Log::last_lsn() const {
  std::lock_guard lock(mu_);
  return written_lsn_;
}

uint64_t Log::durable_lsn() const {
  std::lock_guard lock(mu_);
  return durable_lsn_;
}

Status Log::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

void Log::IndexSegment(uint64_t first_lsn, uint64_t salt) const {
  std::lock_guard lock(index_mu_);
  index_[first_lsn] = SegmentIndex{salt, {{first_lsn, kSegmentHeaderSize}}};
}

void Log::AddIndexPoint(uint64_t segment, uint64_t lsn, uint64_t offset) const {
  std::lock_guard lock(index_mu_);
  auto it = index_.find(segment);
  if (it == index_.end()) return;
  auto& points = it->second.points;
  auto at = std::lower_bound(points.begin(), points.end(), std::make_pair(lsn, uint64_t{0}));
  if (at != points.end() && at->first == lsn) return;
  if (at != points.begin() && std::prev(at)->second + kIndexStride > offset) return;  // near one
  points.insert(at, {lsn, offset});
}

Status Log::ReadSegment(uint64_t first_lsn, uint64_t from_lsn, uint64_t limit,
                        const std::function<bool(const Entry&)>& visit, uint64_t* next,
                        bool* stopped) const {
  constexpr size_t kFirstRead = 64u << 10;  // a reader that stops soon reads little
  constexpr size_t kMaxRead = 1u << 20;
  uint64_t salt = 0;
  uint64_t expected = first_lsn;
  uint64_t offset = kSegmentHeaderSize;
  {
    std::lock_guard lock(index_mu_);
    const auto it = index_.find(first_lsn);
    if (it == index_.end()) {
      return claims::Internal("WAL " + dir_ + " has no segment starting at LSN " +
                              std::to_string(first_lsn) + " any more");
    }
    salt = it->second.salt;
    const auto& points = it->second.points;
    auto at = std::upper_bound(points.begin(), points.end(),
                               std::make_pair(from_lsn, std::numeric_limits<uint64_t>::max()));
    if (at != points.begin()) std::tie(expected, offset) = *std::prev(at);
  }
  const std::string path = JoinPath(dir_, SegmentFileName(first_lsn));
  std::string buf;
  size_t pos = 0;
  uint64_t buf_offset = offset;
  uint64_t last_point = offset;
  size_t chunk = kFirstRead;
  bool end_of_file = false;
  *stopped = false;
  while (expected <= limit) {
    Entry entry;
    size_t size = 0;
    const RecordStatus status =
        pos < buf.size() ? DecodeRecord(std::string_view(buf).substr(pos), salt, &entry, &size)
                         : RecordStatus::kTruncated;
    if (status == RecordStatus::kTruncated && !end_of_file) {
      buf.erase(0, pos);
      buf_offset += pos;
      pos = 0;
      StatusOr<std::string> more = options_.fs->ReadRange(path, buf_offset + buf.size(), chunk);
      if (!more.ok()) return more.status();
      chunk = std::min(chunk * 2, kMaxRead);
      if (more->empty()) {
        end_of_file = true;
      } else {
        buf += *more;
      }
      continue;
    }
    if (status == RecordStatus::kTruncated) break;  // the segment ends here
    const uint64_t at = buf_offset + pos;
    if (status != RecordStatus::kOk || entry.lsn != expected) {
      return claims::Internal("WAL " + path + " cannot be read at offset " + std::to_string(at) +
                              " (LSN " + std::to_string(expected) + "): " +
                              (status != RecordStatus::kOk
                                   ? std::string(RecordStatusName(status))
                                   : "record has LSN " + std::to_string(entry.lsn)) +
                              ". Inspect with `walctl verify " + dir_ + "`");
    }
    if (at >= last_point + kIndexStride) {
      AddIndexPoint(first_lsn, expected, at);
      last_point = at;
    }
    pos += size;
    ++expected;
    if (entry.lsn >= from_lsn && !visit(entry)) {
      *stopped = true;
      break;
    }
  }
  *next = expected;
  return Status::Ok();
}

Status Log::ReadFrom(uint64_t from_lsn, const std::function<bool(const Entry&)>& visit) const {
  const uint64_t limit = durable_lsn();
  std::vector<uint64_t> firsts;
  {
    std::lock_guard lock(mu_);
    firsts = segment_first_lsns_;
  }
  from_lsn = std::max<uint64_t>(from_lsn, 1);
  if (firsts.empty() || from_lsn > limit) return Status::Ok();
  // The segment holding from_lsn (or the first one, when older segments were removed).
  size_t i = static_cast<size_t>(std::upper_bound(firsts.begin(), firsts.end(), from_lsn) -
                                 firsts.begin());
  i = i == 0 ? 0 : i - 1;
  for (; i < firsts.size(); ++i) {
    uint64_t next = 0;
    bool stopped = false;
    CLAIMS_RETURN_IF_ERROR(ReadSegment(firsts[i], from_lsn, limit, visit, &next, &stopped));
    if (stopped || next > limit) return Status::Ok();
    if (i + 1 == firsts.size() || firsts[i + 1] != next) {
      return claims::Internal("WAL " + dir_ + " segment " + SegmentFileName(firsts[i]) +
                              " ends before LSN " + std::to_string(next) +
                              ", which is durable. Inspect with `walctl verify " + dir_ + "`");
    }
  }
  return Status::Ok();
}

StatusOr<int> Log::TruncateBefore(uint64_t lsn) {
  std::vector<uint64_t> removable;
  {
    std::lock_guard lock(mu_);
    // Segment i holds LSNs [first_i, first_{i+1}); it may go when first_{i+1} <= lsn.
    while (segment_first_lsns_.size() > 1 && segment_first_lsns_[1] <= lsn) {
      removable.push_back(segment_first_lsns_.front());
      segment_first_lsns_.erase(segment_first_lsns_.begin());
    }
  }
  {
    std::lock_guard lock(index_mu_);
    for (uint64_t first : removable) index_.erase(first);
  }
  for (uint64_t first : removable) {
    CLAIMS_RETURN_IF_ERROR(options_.fs->Remove(JoinPath(dir_, SegmentFileName(first))));
  }
  if (!removable.empty()) CLAIMS_RETURN_IF_ERROR(options_.fs->SyncDir(dir_));
  return static_cast<int>(removable.size());
}

}  // namespace wal
