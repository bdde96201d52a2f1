// Journal: WAL-first state for one service instance. Every change of a service's tables goes
// through here: a command runs inside the committer's SQLite transaction and stages row changes
// and events; the committer appends the batch's entries to the instance's WAL and waits until
// they are durable (prepare), records the applied LSN in the same transaction and commits it
// durably (synchronous=FULL: the database decides), then appends a commit mark to the WAL and
// only then answers. Nothing a command staged is visible to another connection, answered to a
// client or published before its WAL entry is durable (the brief's invariant 4).
//
// An entry takes effect (in the database, in the relay, in a restore) if and only if its
// transaction committed. Instances share the database, so only the database can say: an entry
// of this WAL committed iff its LSN is at most the database's applied LSN for the WAL. Open()
// never replays: it aborts the entries past the applied LSN (they were prepared by a process
// that died before its COMMIT, and nobody was answered), records them as aborted in the
// database (wal_aborted) and in the WAL (an outcome entry), and writes the commit mark the WAL
// may lack. Restore (snapshot.h), which has no database, applies an entry only when a later
// commit mark of its WAL covers it. Protocol, crash windows and entry formats:
// wal/docs/journal.md. Events leave through the OutboxRelay.
//
// Applying an entry is a version-checked upsert per row (a row is written only when its version
// is above the stored one) and a version-checked delete, so applying an entry twice, or an
// older entry after a newer one, changes nothing.
//
// Thread-safety: Execute and Submit may be called from any thread; commands run one at a time on
// the committer thread, several to a transaction and one WAL write (group commit).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/event_envelope.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"
#include "wal/log.h"

namespace wal {

// A table the journal may write: rows are JSON objects with one value per column (string,
// integer or null); `key_column` is the primary key (or a unique column); every table has an
// integer `version` column.
struct StateTable {
  std::string name;
  std::string key_column;
  std::vector<std::string> columns;  // including key_column and "version"
  std::string upsert_sql;            // filled by the journal; built on each use when empty
};

// What one entry carries: row changes in order, then the events to publish.
struct RowChange {
  std::string table;
  nlohmann::json row;    // the full new row; for a delete, the key and the delete's version
  bool deleted = false;  // a delete removes the row if its stored version is below row.version
};

struct JournalRecord {
  std::vector<RowChange> changes;
  std::vector<claims::OutgoingEvent> events;
  // The database's position (DatabasePosition) when the entry's transaction began, under the
  // write lock: every instance's commits are serialized by the database, so entries of all WALs
  // order by it as they committed, whatever the clocks say. nullopt in entries written before
  // it was recorded.
  std::optional<uint64_t> db_position;
};

inline constexpr uint16_t kJournalEntryType = 1;
// The outcome of earlier entries of the same WAL: {"committed_through": C} says every type-1
// entry up to LSN C that is not aborted committed; {"aborted_from": A, "aborted_through": B}
// says the type-1 entries from A to B never did. Both may be in one entry.
inline constexpr uint16_t kOutcomeEntryType = 3;

// Type-1 entries of one WAL that never committed, as LSN ranges (inclusive), in order.
class AbortedRanges {
 public:
  void Add(uint64_t from, uint64_t through);
  bool Contains(uint64_t lsn) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<std::pair<uint64_t, uint64_t>>& ranges() const { return ranges_; }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
};

// What the outcome entries of a WAL say, read in LSN order.
struct WalOutcomes {
  uint64_t committed_through = 0;
  AbortedRanges aborted;
  // Folds in one entry (entries that are not outcome entries are ignored).
  // Errors: kInternal for an outcome entry that cannot be read.
  claims::Status Add(const Entry& entry);
};

// The WAL payload of a record, and back. Decode errors: kInternal naming what is wrong.
std::string EncodeJournalRecord(const JournalRecord& record);
claims::StatusOr<JournalRecord> DecodeJournalRecord(std::string_view payload);

// Applies `change` to `db` with the version check. Errors: kInvalidArgument (unknown table,
// missing key or version), kConflict (a unique constraint), kInternal.
claims::Status ApplyRowChange(claims::SqliteDatabase& db, const std::vector<StateTable>& tables,
                              const RowChange& change);

// The tables a journal writes, recorded in the database (table journal_tables) at open, so
// tools can apply WAL entries to a copy without knowing the service.
claims::Status RecordStateTables(claims::SqliteDatabase& db, const std::vector<StateTable>& tables);
claims::StatusOr<std::vector<StateTable>> LoadStateTables(claims::SqliteDatabase& db);

// The LSN recorded for `wal_id` in `table` (wal_applied or relay_positions; 0 if none), and
// moving it forward (never back). The tables are created by EnsureJournalTables.
claims::StatusOr<uint64_t> ReadLsn(claims::SqliteDatabase& db, const std::string& table,
                                   const std::string& wal_id);
claims::Status WriteLsn(claims::SqliteDatabase& db, const std::string& table,
                        const std::string& wal_id, uint64_t lsn);
// The same for wal_applied: the last LSN of `wal_id` applied to `db`.
claims::Status EnsureJournalTables(claims::SqliteDatabase& db);
claims::StatusOr<uint64_t> AppliedLsn(claims::SqliteDatabase& db, const std::string& wal_id);
// The sum of every WAL's applied LSN: each commit raises one and none lowers any, so it grows
// with every commit of any instance on the database. Names snapshots and orders restores.
claims::StatusOr<uint64_t> DatabasePosition(claims::SqliteDatabase& db);
claims::Status SetAppliedLsn(claims::SqliteDatabase& db, const std::string& wal_id, uint64_t lsn);

// What a command sees: the write connection inside the open transaction, where its own staged
// changes (and those of earlier commands of the batch) are already visible.
class JournalTxn {
 public:
  claims::SqliteDatabase& db() { return db_; }
  // Applies the row now (visible to later reads in this transaction) and records it for the WAL.
  // Errors: those of ApplyRowChange; the command should return them.
  claims::Status Put(const std::string& table, nlohmann::json row);
  claims::Status Remove(const std::string& table, nlohmann::json key_and_version);
  void Emit(claims::OutgoingEvent event) { record_.events.push_back(std::move(event)); }
  // Runs `done` with the command's LSN once its entry is durable and committed, on the
  // committer thread (keep it short: a log line). Never for a command that fails or a batch
  // that does not commit, and not on replay: what happened is told once.
  void AfterCommit(std::function<void(uint64_t lsn)> done) {
    after_commit_.push_back(std::move(done));
  }
  // The WAL this command's entry goes to, and the LSN the entry gets if the command commits, so
  // a row may name the entry that wrote it (the claim's history does): replay and restore keep
  // the row as written, so it names the same entry. Unused when the command fails.
  const std::string& wal_id() const { return wal_id_; }
  uint64_t lsn() const { return lsn_; }

 private:
  friend class Journal;
  JournalTxn(claims::SqliteDatabase& db, const std::vector<StateTable>& tables,
             const std::string& wal_id, uint64_t lsn)
      : db_(db), tables_(tables), wal_id_(wal_id), lsn_(lsn) {}
  claims::SqliteDatabase& db_;
  const std::vector<StateTable>& tables_;
  const std::string& wal_id_;
  uint64_t lsn_;
  JournalRecord record_;
  std::vector<std::function<void(uint64_t lsn)>> after_commit_;
};

// Receives each committed record's events with its LSN, in LSN order (the OutboxRelay).
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  virtual void OnCommitted(uint64_t lsn, std::vector<claims::OutgoingEvent> events) = 0;
};

struct JournalOptions {
  std::string wal_dir;  // this instance's WAL directory
  std::string wal_id;   // names the WAL in the applied-LSN table (the instance id)
  std::string db_path;  // the service's SQLite file; the journal opens its own connection
  std::vector<StateTable> tables;
  Options log;             // fsync policy, segment size, clock
  size_t max_batch = 512;  // commands per transaction
};

struct JournalOpenReport {
  OpenReport log;
  uint64_t aborted_entries = 0;  // prepared by a process that died before committing them
};

class Journal {
 public:
  // Opens the WAL (with its recovery) and the database (which must be migrated), aborts the
  // entries that never committed (see above) and starts the committer. Errors: those of
  // Log::Open and SQLite; kFailedPrecondition when the database has no record of a WAL that
  // holds entries (it is not this WAL's database: a lost database is rebuilt with walctl
  // restore, not by starting on an empty one).
  static claims::StatusOr<std::unique_ptr<Journal>> Open(const JournalOptions& options,
                                                         JournalOpenReport* report = nullptr);
  ~Journal();  // finishes queued commands, then stops
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  using Command = std::function<claims::Status(JournalTxn&)>;

  // Runs `command` on the committer thread and returns once its changes are durable in the WAL
  // and committed (or once it failed). A command that stages nothing writes no entry. A command
  // returning an error has its changes rolled back and that error is returned. A command whose
  // entry would be over the WAL's record limit (kMaxPayloadSize) is rolled back and gets
  // kInvalidArgument, alone. If the database ends the batch's transaction by itself (SQLite does
  // on SQLITE_FULL, IOERR, NOMEM), every command of the batch gets kUnavailable, nothing of it
  // is logged or committed, and the journal goes on. When the WAL or the commit fails, every
  // command of the batch gets kUnavailable naming the error, and the journal refuses later
  // commands the same way (as the log does): the instance must restart; its Open aborts what
  // did not commit.
  claims::Status Execute(Command command);
  // Runs every command as Execute would (each with its own result, usually in one transaction)
  // and returns their results in order once all are done.
  std::vector<claims::Status> ExecuteAll(std::vector<Command> commands);
  // Queues `command` as Execute does and returns at once; `done` gets the result Execute would
  // have returned, once the command's entry is durable and committed (or once it failed). The
  // committer hands each finished batch to the journal's completion thread, which runs the
  // batch's `done`s in order while the committer goes on with the next batch: keep them short
  // and never wait in one for another command (answer a request, queue more work). When the
  // journal refuses at once (stopped, shutting down), `done` runs on the calling thread before
  // Submit returns. This is how a request thread hands a write over without blocking, so many
  // requests share one group commit.
  using Done = std::function<void(claims::Status)>;
  void Submit(Command command, Done done);

  // Called on the committer thread after each commit.
  // REQUIRES: no command is running or queued while the listener is set or cleared (a commit
  // in progress may still call the previous one).
  void SetListener(CommitListener* listener) { listener_.store(listener); }

  // The log, for reading. An entry that is not the journal's (a snapshot's marker) goes through
  // AppendBetweenBatches, never log().Append: a batch's commands are told their LSNs before its
  // entries are written (JournalTxn::lsn), so nothing else may take one meanwhile.
  Log& log() { return *log_; }
  // Appends `entry` to the log between two batches (waiting for the one being prepared).
  // Thread-safe. Errors: those of Log::Append.
  claims::StatusOr<uint64_t> AppendBetweenBatches(NewEntry entry);
  const std::string& wal_id() const { return options_.wal_id; }
  // The type-1 entries of this WAL that never committed (fixed at Open). Thread-safe.
  const AbortedRanges& aborted() const { return aborted_; }
  // The LSN of this WAL's last committed entry (its applied LSN in the database). Thread-safe.
  uint64_t committed_lsn() const { return committed_lsn_.load(); }
  claims::Status failure() const;

 private:
  struct Pending;
  explicit Journal(JournalOptions options);
  // Open's part once the files are open: aborts what never committed, writes the WAL's missing
  // outcome entries.
  claims::Status Recover(JournalOpenReport* report);
  void CommitLoop();
  void CommitBatch(std::vector<std::shared_ptr<Pending>>& batch);
  void CompletionLoop();
  // The refusal for a command queued now, or OK. REQUIRES: mu_ held.
  claims::Status RefusalLocked() const;

  const JournalOptions options_;
  std::unique_ptr<Log> log_;
  // Held by the committer from reading a batch's first LSN to its append, and by
  // AppendBetweenBatches: no other entry takes an LSN a command was told.
  std::mutex append_mu_;
  std::unique_ptr<claims::SqliteDatabase> db_;  // used only by the committer thread (and Open)
  AbortedRanges aborted_;                       // written by Open only
  std::atomic<uint64_t> committed_lsn_{0};
  std::atomic<CommitListener*> listener_{nullptr};

  mutable std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  claims::Status failure_;
  bool stopping_ = false;

  std::thread committer_;

  // Finished batches of submitted commands, waiting for the completion thread.
  std::mutex completion_mu_;
  std::condition_variable completion_cv_;
  std::deque<std::vector<std::shared_ptr<Pending>>> completions_;
  bool completion_stopping_ = false;
  std::thread completer_;
};

// Submit for a command that produces a value: `done` gets what `work` returned once the command
// committed, or the error it or the journal ended with (as Submit's `done`, on the completion
// thread). `work` runs on the committer thread: it must own what it reads.
template <typename T>
void SubmitFor(Journal& journal, std::function<claims::StatusOr<T>(JournalTxn&)> work,
               std::function<void(claims::StatusOr<T>)> done) {
  auto out = std::make_shared<claims::StatusOr<T>>(claims::Internal("the command did not run"));
  journal.Submit(
      [out, work = std::move(work)](JournalTxn& txn) {
        *out = work(txn);
        return out->status();
      },
      [out, done = std::move(done)](claims::Status result) {
        if (result.ok()) {
          done(std::move(*out));
        } else {
          done(std::move(result));
        }
      });
}

}  // namespace wal
