// SQLite access: a connection with its prepared statements, and versioned schema migrations.
//
// Thread-safety: a SqliteDatabase and its statements are not thread-safe.
// REQUIRES: external synchronization (callers hold one mutex around each use).
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared/status.h"

namespace claims {

// A prepared statement owned by its SqliteDatabase. Bind indexes start at 1, columns at 0.
class SqliteStatement {
 public:
  explicit SqliteStatement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& Bind(int index, const std::optional<std::string>& value);
  SqliteStatement& BindNull(int index);

  // Runs one step: true if a row is available, false when done.
  // Errors: kConflict for a constraint violation, kUnavailable when the database is busy,
  // kInternal otherwise.
  StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  Status Run();
  // Resets for reuse and clears the bindings. Always call before binding again.
  void Reset();

  int64_t ColumnInt(int column) const;
  std::string ColumnText(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;
  std::optional<int64_t> ColumnOptionalInt(int column) const;

 private:
  sqlite3_stmt* stmt_;
};

// Runs a bound statement to the end, turning each row into a T with `read` (a callable taking
// the statement and returning StatusOr<T>), and resets it. Errors: the statement's or read's.
template <typename T, typename Read>
StatusOr<std::vector<T>> CollectRows(SqliteStatement* s, Read read) {
  std::vector<T> out;
  for (;;) {
    StatusOr<bool> row = s->Step();
    if (!row.ok()) {
      s->Reset();
      return row.status();
    }
    if (!*row) break;
    StatusOr<T> item = read(*s);
    if (!item.ok()) {
      s->Reset();
      return item.status();
    }
    out.push_back(std::move(*item));
  }
  s->Reset();
  return out;
}

// One schema step. Versions start at 1 and are dense; the applied version is kept in
// PRAGMA user_version.
struct Migration {
  int version;
  std::string_view sql;
};

class SqliteDatabase {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for tests) in WAL journal mode
  // with synchronous=FULL, foreign keys on and a 5 s busy timeout.
  // Errors: kInternal naming the path and SQLite's message.
  static StatusOr<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Status Exec(std::string_view sql);

  // A statement for `sql`, prepared once and cached for the database's lifetime, reset and ready
  // to bind. The pointer stays valid while the database lives.
  StatusOr<SqliteStatement*> Prepare(const std::string& sql);

  // Applies every migration above the current user_version, each in its own transaction.
  // Errors: kFailedPrecondition if the database is newer than the newest migration known.
  Status Migrate(std::span<const Migration> migrations);
  StatusOr<int> SchemaVersion();

  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; rolls back if it returns an error.
  template <typename Body>
  Status InTransaction(Body&& body) {
    CLAIMS_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status s = body();
    if (!s.ok()) {
      (void)Exec("ROLLBACK");
      return s;
    }
    s = Exec("COMMIT");
    if (!s.ok()) (void)Exec("ROLLBACK");
    return s;
  }

  // Whether a transaction is open. SQLite rolls a whole transaction back by itself on some
  // errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...); statements after that autocommit, so
  // code that must stay inside its transaction checks this.
  bool TransactionOpen() const { return sqlite3_get_autocommit(db_) == 0; }

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t ChangedRows() const { return sqlite3_changes64(db_); }

  // Maps the connection's last error to a Status with `what` as context.
  Status LastError(std::string_view what) const;

  // Copies the whole database into `dest_path` (created or replaced) with SQLite's online
  // backup API, in one step inside the caller's open read transaction (if any), so the copy is
  // one consistent state while other connections keep writing.
  Status BackupTo(const std::string& dest_path);

 private:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStatement>> statements_;
};

// Read connections to one database, shared by the stores and routes that only read. A reader
// takes whichever connection is free for one read and gives it back when its lease ends, so
// reads on different threads do not wait for each other (in WAL mode each connection reads its
// own committed snapshot while the journal's connection writes).
// Thread-safe; a Lease is used by the thread that took it.
class ReadConnections {
 public:
  // `first` (the connection that migrated the database at `path`) and count - 1 more
  // connections to it: `count` in all (at least 1).
  // Errors: those of SqliteDatabase::Open.
  static StatusOr<std::shared_ptr<ReadConnections>> Open(std::unique_ptr<SqliteDatabase> first,
                                                         const std::string& path, int count);
  // Over connections already open (tests: one ":memory:" database). REQUIRES: at least one.
  explicit ReadConnections(std::vector<std::unique_ptr<SqliteDatabase>> connections);

  // One connection, held until the lease ends.
  class Lease {
   public:
    Lease(ReadConnections* pool, std::unique_ptr<SqliteDatabase> db)
        : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_->GiveBack(std::move(db_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    SqliteDatabase& operator*() const { return *db_; }
    SqliteDatabase* operator->() const { return db_.get(); }

   private:
    ReadConnections* pool_;
    std::unique_ptr<SqliteDatabase> db_;
  };

  // A free connection; waits while every one is leased.
  Lease Acquire();
  int size() const { return size_; }

 private:
  void GiveBack(std::unique_ptr<SqliteDatabase> db);

  const int size_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<SqliteDatabase>> free_;  // guarded by mu_
};

}  // namespace claims
