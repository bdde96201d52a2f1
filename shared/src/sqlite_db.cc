#include "shared/sqlite_db.h"

namespace claims {
namespace {

Status StatusFromSqlite(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return Conflict(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

}  // namespace

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

StatusOr<bool> SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return StatusFromSqlite(sqlite3_db_handle(stmt_),
                          sqlite3_extended_errcode(sqlite3_db_handle(stmt_)), "sqlite step");
}

Status SqliteStatement::Run() {
  for (;;) {
    StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return "";
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::optional<std::string> SqliteStatement::ColumnOptionalText(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return ColumnText(column);
}

std::optional<int64_t> SqliteStatement::ColumnOptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return ColumnInt(column);
}

StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Internal("cannot open database " + path + ": " +
                        (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(db));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    const Status s = database->Exec(pragma);
    if (!s.ok()) return Internal("database " + path + ": " + s.message());
  }
  return database;
}

SqliteDatabase::~SqliteDatabase() {
  statements_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

Status SqliteDatabase::Exec(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  sqlite3_free(error);
  return StatusFromSqlite(db_, sqlite3_extended_errcode(db_), "sqlite exec");
}

StatusOr<SqliteStatement*> SqliteDatabase::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) {
    it->second->Reset();
    return it->second.get();
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return StatusFromSqlite(db_, rc, "sqlite prepare");
  auto [inserted, _] = statements_.emplace(sql, std::make_unique<SqliteStatement>(stmt));
  return inserted->second.get();
}

StatusOr<int> SqliteDatabase::SchemaVersion() {
  StatusOr<SqliteStatement*> stmt = Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  StatusOr<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  const int version = static_cast<int>((*stmt)->ColumnInt(0));
  (*stmt)->Reset();
  return version;
}

Status SqliteDatabase::Migrate(std::span<const Migration> migrations) {
  StatusOr<int> current = SchemaVersion();
  if (!current.ok()) return current.status();
  const int newest = migrations.empty() ? 0 : migrations.back().version;
  if (*current > newest) {
    return FailedPrecondition("database schema version " + std::to_string(*current) +
                              " is newer than this build knows (" + std::to_string(newest) + ")");
  }
  for (const Migration& m : migrations) {
    if (m.version <= *current) continue;
    // Several processes may start on one database at once: the version is read again under
    // the write lock, so each migration is applied exactly once.
    CLAIMS_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      StatusOr<int> now = SchemaVersion();
      if (!now.ok()) return now.status();
      if (*now >= m.version) return Status::Ok();
      CLAIMS_RETURN_IF_ERROR(Exec(m.sql));
      return Exec("PRAGMA user_version = " + std::to_string(m.version));
    }));
  }
  return Status::Ok();
}

Status SqliteDatabase::BackupTo(const std::string& dest_path) {
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(dest_path.c_str(), &dest,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    return Internal("cannot create " + dest_path + ": " + why);
  }
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db_, "main");
  if (backup == nullptr) {
    const std::string why = sqlite3_errmsg(dest);
    sqlite3_close(dest);
    return Internal("cannot start a backup to " + dest_path + ": " + why);
  }
  rc = sqlite3_backup_step(backup, -1);
  const int finished = sqlite3_backup_finish(backup);
  const std::string why = sqlite3_errmsg(dest);
  sqlite3_close(dest);
  if (rc != SQLITE_DONE || finished != SQLITE_OK) {
    return Internal("backup to " + dest_path + " failed: " + why);
  }
  return Status::Ok();
}

Status SqliteDatabase::LastError(std::string_view what) const {
  return StatusFromSqlite(db_, sqlite3_extended_errcode(db_), what);
}

StatusOr<std::shared_ptr<ReadConnections>> ReadConnections::Open(
    std::unique_ptr<SqliteDatabase> first, const std::string& path, int count) {
  std::vector<std::unique_ptr<SqliteDatabase>> connections;
  connections.push_back(std::move(first));
  for (int i = 1; i < count; ++i) {
    StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path);
    if (!db.ok()) return db.status();
    connections.push_back(std::move(*db));
  }
  return std::make_shared<ReadConnections>(std::move(connections));
}

ReadConnections::ReadConnections(std::vector<std::unique_ptr<SqliteDatabase>> connections)
    : size_(static_cast<int>(connections.size())), free_(std::move(connections)) {}

ReadConnections::Lease ReadConnections::Acquire() {
  std::unique_lock lock(mu_);
  freed_.wait(lock, [this] { return !free_.empty(); });
  std::unique_ptr<SqliteDatabase> db = std::move(free_.back());
  free_.pop_back();
  return {this, std::move(db)};
}

void ReadConnections::GiveBack(std::unique_ptr<SqliteDatabase> db) {
  {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(db));
  }
  freed_.notify_one();
}

}  // namespace claims
