// Log: the write-ahead log of one service instance, in one directory of segment files.
//
// Durability: Append returns an entry's LSN only once the entry is durable under the fsync
// policy (kAlways, the default: on disk; kInterval: written, and on disk within the interval;
// kNone: handed to the OS). Concurrent appends share one write and one fdatasync (group commit,
// no deliberate delay). A failed write or sync is fatal to the log: the failing appends get the
// I/O error and every later append gets kUnavailable naming it (the instance must be restarted;
// another instance can serve); nothing is retried.
//
// Recovery (Open): a torn tail in the last segment is cut off, the cut bytes kept beside it in
// "<segment>.torn-<offset>"; any other damage refuses to open with an error naming the file,
// the offset and the walctl command to inspect or repair it.
//
// Thread-safety: every method may be called from any thread.
// Format: wal/docs/format.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shared/clock.h"
#include "wal/file_system.h"
#include "wal/log_scanner.h"
#include "wal/record_format.h"

namespace wal {

enum class FsyncPolicy { kAlways, kInterval, kNone };

// Parses "always", "interval", "none".
bool ParseFsyncPolicy(std::string_view text, FsyncPolicy* policy);
// "always", "interval" or "none".
const char* FsyncPolicyName(FsyncPolicy policy);

// Told how the log's writes go (for metrics). OnGroup is called by the group's leader while it
// holds the log's I/O lock, OnAppend by each writer after it is answered, with no lock: both
// must be cheap, thread-safe and must not call back into the log.
class LogObserver {
 public:
  virtual ~LogObserver() = default;
  // One group written: its entries and bytes, the write's and the sync's duration (zero when
  // the policy is not kAlways: the sync happens elsewhere).
  virtual void OnGroup(size_t entries, size_t bytes, std::chrono::nanoseconds write,
                       std::chrono::nanoseconds sync) = 0;
  // One AppendBatch call answered successfully, this long after it was made (queueing included).
  virtual void OnAppend(std::chrono::nanoseconds latency) = 0;
};

struct Options {
  FileSystem* fs = PosixFileSystem();  // must outlive the log
  LogObserver* observer = nullptr;     // must outlive the log; nullptr: nobody is told
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  std::chrono::milliseconds fsync_interval{10};  // for kInterval
  uint64_t segment_bytes = 64ull << 20;          // a segment is closed once it reaches this size
  const claims::Clock* clock = nullptr;          // entry timestamps; nullptr: the system clock
  // The LSN of the first entry when the directory holds no segment yet (walctl reseat). LSNs of
  // a WAL never go backwards: the database and the relay record how far they got by LSN.
  uint64_t first_lsn = 1;
};

// What Open found and did.
struct OpenReport {
  uint64_t last_lsn = 0;  // of the last entry kept
  bool cut_torn_tail = false;
  std::string torn_copy_path;  // where the cut bytes were kept
  uint64_t cut_bytes = 0;
};

// What a caller appends; the log assigns lsn and timestamp.
struct NewEntry {
  uint16_t type = 0;
  uint16_t schema_version = 1;
  std::string payload;
};

// Takes the lock every opener of the log in `dir` holds (file LOCK): one process at a time
// writes or repairs a WAL. Errors: kLocked naming the directory when another process holds it.
StatusOr<std::unique_ptr<FileLock>> LockLogDir(FileSystem* fs, const std::string& dir);

class Log {
 public:
  // Opens (creating if needed) the log in `dir`, holding an exclusive lock on it until
  // destroyed. Errors: kLocked if another opener holds the lock; kFailedPrecondition if the log
  // is corrupt (the message names file, offset and walctl command); kInternal for I/O failures.
  static StatusOr<std::unique_ptr<Log>> Open(const std::string& dir, const Options& options,
                                             OpenReport* report = nullptr);
  ~Log();  // syncs what was written (best effort) and releases the lock
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends one entry; returns its LSN once durable (see above).
  // Errors: kInvalidArgument (payload over kMaxPayloadSize), kUnavailable (disk full),
  // kInternal (I/O error), kUnavailable (the log failed earlier).
  StatusOr<uint64_t> Append(NewEntry entry);
  // Appends entries with consecutive LSNs, all in one write; returns the first LSN.
  StatusOr<uint64_t> AppendBatch(std::vector<NewEntry> entries);

  uint64_t last_lsn() const;     // the last LSN written
  uint64_t durable_lsn() const;  // every entry up to here is durable under the policy
  const std::string& dir() const { return dir_; }

  // Calls `visit` with each durable entry from `from_lsn` on, in order, until it returns false.
  // Reads only what it visits, from the nearest indexed position at or before `from_lsn` (at
  // most about kIndexStride bytes before it): a reader going through the log in steps (the
  // relay, replay, adoption) reads each byte about once. Errors: I/O failures; kInternal when
  // durable bytes do not decode (damage after Open checked the log).
  Status ReadFrom(uint64_t from_lsn, const std::function<bool(const Entry&)>& visit) const;

  // Removes whole segments that hold only entries below `lsn` (never the segment being written).
  // Returns how many files were removed.
  StatusOr<int> TruncateBefore(uint64_t lsn);

  // OK, or the I/O error that made the log refuse appends.
  Status failure() const;

  // Readers start at an indexed position at most this far before their first entry.
  static constexpr uint64_t kIndexStride = 64u << 10;

 private:
  struct Writer;
  // Where reads of one segment can start: its salt and (LSN, byte offset) of records, sorted,
  // about kIndexStride apart. The writer adds one per group it writes, readers as they pass.
  struct SegmentIndex {
    uint64_t salt = 0;
    std::vector<std::pair<uint64_t, uint64_t>> points;
  };
  void IndexSegment(uint64_t first_lsn, uint64_t salt) const;
  void AddIndexPoint(uint64_t segment, uint64_t lsn, uint64_t offset) const;
  // Reads one segment from its indexed position at or before `from_lsn`, visiting entries up
  // to `limit`; *next is the LSN after the last entry read, *stopped whether `visit` said so.
  Status ReadSegment(uint64_t first_lsn, uint64_t from_lsn, uint64_t limit,
                     const std::function<bool(const Entry&)>& visit, uint64_t* next,
                     bool* stopped) const;
  Log(std::string dir, const Options& options);
  Status StartSegment(uint64_t first_lsn);                      // REQUIRES: io_mu_ held
  Status WriteGroup(const std::string& bytes, size_t entries);  // REQUIRES: io_mu_ held
  void SyncLoop();

  const std::string dir_;
  const Options options_;
  const claims::Clock* clock_;
  std::unique_ptr<FileLock> lock_;

  mutable std::mutex mu_;                      // guards the members below up to io_mu_
  std::deque<std::shared_ptr<Writer>> queue_;  // the front one leads the next group
  uint64_t next_lsn_ = 1;
  uint64_t written_lsn_ = 0;
  uint64_t durable_lsn_ = 0;
  Status failure_;
  std::vector<uint64_t> segment_first_lsns_;  // in order; the last is the active segment
  bool stopping_ = false;
  std::condition_variable sync_cv_;

  std::mutex io_mu_;  // held by the one thread doing I/O on the active segment; guards below
  std::unique_ptr<WritableFile> active_;
  uint64_t active_first_lsn_ = 0;
  uint64_t active_salt_ = 0;
  uint64_t active_bytes_ = 0;

  mutable std::mutex index_mu_;                     // guards index_; taken alone or after io_mu_
  mutable std::map<uint64_t, SegmentIndex> index_;  // by segment first LSN

  std::thread syncer_;  // only with FsyncPolicy::kInterval
};

}  // namespace wal
