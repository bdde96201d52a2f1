#include "wal/journal.h"

#include <algorithm>
#include <filesystem>

#include "shared/json_log.h"
#include "wal/record_format.h"
#include "wal/snapshot.h"

namespace wal {

using claims::Status;
using claims::StatusOr;

namespace {

const StateTable* FindTable(const std::vector<StateTable>& tables, const std::string& name) {
  for (const StateTable& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string BuildUpsertSql(const StateTable& t) {
  std::string cols;
  std::string params;
  std::string sets;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const std::string& c = t.columns[i];
    if (i > 0) {
      cols += ", ";
      params += ", ";
    }
    cols += c;
    params += "?" + std::to_string(i + 1);
    if (c == t.key_column) continue;
    if (!sets.empty()) sets += ", ";
    sets += c + " = excluded." + c;
  }
  return "INSERT INTO " + t.name + " (" + cols + ") VALUES (" + params + ") ON CONFLICT(" +
         t.key_column + ") DO UPDATE SET " + sets + " WHERE excluded.version > " + t.name +
         ".version";
}

Status BindValue(claims::SqliteStatement* s, int index, const nlohmann::json& v,
                 const std::string& column) {
  if (v.is_null()) {
    s->BindNull(index);
  } else if (v.is_string()) {
    s->Bind(index, std::string_view(v.get_ref<const std::string&>()));
  } else if (v.is_number_integer()) {
    s->Bind(index, v.get<int64_t>());
  } else if (v.is_boolean()) {
    s->Bind(index, static_cast<int64_t>(v.get<bool>() ? 1 : 0));
  } else {
    return claims::InvalidArgument("column " + column + " holds a value that is not text, " +
                                   "an integer or null");
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeJournalRecord(const JournalRecord& record) {
  nlohmann::json changes = nlohmann::json::array();
  for (const RowChange& c : record.changes) {
    nlohmann::json j = {{"table", c.table}, {"row", c.row}};
    if (c.deleted) j["deleted"] = true;
    changes.push_back(std::move(j));
  }
  nlohmann::json events = nlohmann::json::array();
  for (const claims::OutgoingEvent& e : record.events) {
    nlohmann::json j = {
        {"topic", e.topic}, {"key", e.key}, {"event_id", e.event_id}, {"payload", e.payload}};
    if (!e.headers.empty()) j["headers"] = e.headers;
    events.push_back(std::move(j));
  }
  return nlohmann::json{{"changes", std::move(changes)}, {"events", std::move(events)}}.dump();
}

StatusOr<JournalRecord> DecodeJournalRecord(std::string_view payload) {
  try {
    const nlohmann::json j = nlohmann::json::parse(payload);
    JournalRecord record;
    for (const nlohmann::json& c : j.at("changes")) {
      RowChange change;
      change.table = c.at("table").get<std::string>();
      change.row = c.at("row");
      change.deleted = c.value("deleted", false);
      record.changes.push_back(std::move(change));
    }
    for (const nlohmann::json& e : j.at("events")) {
      claims::OutgoingEvent event;
      event.topic = e.at("topic").get<std::string>();
      event.key = e.at("key").get<std::string>();
      event.event_id = e.at("event_id").get<std::string>();
      event.payload = e.at("payload").get<std::string>();
      if (e.contains("headers")) {
        event.headers = e.at("headers").get<std::vector<std::pair<std::string, std::string>>>();
      }
      record.events.push_back(std::move(event));
    }
    return record;
  } catch (const nlohmann::json::exception& e) {
    return claims::Internal(std::string("journal entry is not a valid record: ") + e.what());
  }
}

Status ApplyRowChange(claims::SqliteDatabase& db, const std::vector<StateTable>& tables,
                      const RowChange& change) {
  const StateTable* t = FindTable(tables, change.table);
  if (t == nullptr) return claims::InvalidArgument("unknown table " + change.table);
  const nlohmann::json& row = change.row;
  if (!row.is_object() || !row.contains(t->key_column) || !row.contains("version") ||
      !row["version"].is_number_integer()) {
    return claims::InvalidArgument("a change of " + t->name + " needs " + t->key_column +
                                   " and an integer version");
  }
  if (change.deleted) {
    StatusOr<claims::SqliteStatement*> s =
        db.Prepare("DELETE FROM " + t->name + " WHERE " + t->key_column + " = ?1 AND version < ?2");
    if (!s.ok()) return s.status();
    CLAIMS_RETURN_IF_ERROR(BindValue(*s, 1, row[t->key_column], t->key_column));
    (*s)->Bind(2, row["version"].get<int64_t>());
    const Status run = (*s)->Run();
    (*s)->Reset();
    return run;
  }
  // The journal builds each table's statement text once (it is also the statement cache's key).
  const std::string built = t->upsert_sql.empty() ? BuildUpsertSql(*t) : std::string();
  const std::string* sql = t->upsert_sql.empty() ? &built : &t->upsert_sql;
  StatusOr<claims::SqliteStatement*> s = db.Prepare(*sql);
  if (!s.ok()) return s.status();
  for (size_t i = 0; i < t->columns.size(); ++i) {
    const auto it = row.find(t->columns[i]);
    const Status bound = BindValue(*s, static_cast<int>(i + 1),
                                   it == row.end() ? nlohmann::json() : *it, t->columns[i]);
    if (!bound.ok()) {
      (*s)->Reset();
      return bound;
    }
  }
  const Status run = (*s)->Run();
  (*s)->Reset();
  return run;
}

Status EnsureJournalTables(claims::SqliteDatabase& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS wal_applied (wal_id TEXT PRIMARY KEY, lsn INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS relay_positions (wal_id TEXT PRIMARY KEY, "
      "lsn INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS journal_tables (name TEXT PRIMARY KEY, key_column TEXT NOT "
      "NULL, columns TEXT NOT NULL)");
}

Status RecordStateTables(claims::SqliteDatabase& db, const std::vector<StateTable>& tables) {
  for (const StateTable& t : tables) {
    StatusOr<claims::SqliteStatement*> s = db.Prepare(
        "INSERT INTO journal_tables (name, key_column, columns) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(name) DO UPDATE SET key_column = excluded.key_column, "
        "columns = excluded.columns");
    if (!s.ok()) return s.status();
    (*s)->Bind(1, std::string_view(t.name))
        .Bind(2, std::string_view(t.key_column))
        .Bind(3, std::string_view(nlohmann::json(t.columns).dump()));
    const Status run = (*s)->Run();
    (*s)->Reset();
    CLAIMS_RETURN_IF_ERROR(run);
  }
  return Status::Ok();
}

StatusOr<std::vector<StateTable>> LoadStateTables(claims::SqliteDatabase& db) {
  StatusOr<claims::SqliteStatement*> s =
      db.Prepare("SELECT name, key_column, columns FROM journal_tables ORDER BY name");
  if (!s.ok()) return s.status();
  return claims::CollectRows<StateTable>(
      *s, [](const claims::SqliteStatement& row) -> StatusOr<StateTable> {
        StateTable t{row.ColumnText(0), row.ColumnText(1), {}, ""};
        const auto columns = nlohmann::json::parse(row.ColumnText(2), nullptr, false);
        if (!columns.is_array()) {
          return claims::Internal("journal_tables has unreadable columns for " + t.name);
        }
        for (const auto& c : columns) t.columns.push_back(c.get<std::string>());
        t.upsert_sql = BuildUpsertSql(t);
        return t;
      });
}

StatusOr<uint64_t> ReadLsn(claims::SqliteDatabase& db, const std::string& table,
                           const std::string& wal_id) {
  StatusOr<claims::SqliteStatement*> s =
      db.Prepare("SELECT lsn FROM " + table + " WHERE wal_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(wal_id));
  StatusOr<bool> row = (*s)->Step();
  uint64_t lsn = 0;
  if (row.ok() && *row) lsn = static_cast<uint64_t>((*s)->ColumnInt(0));
  (*s)->Reset();
  if (!row.ok()) return row.status();
  return lsn;
}

Status WriteLsn(claims::SqliteDatabase& db, const std::string& table, const std::string& wal_id,
                uint64_t lsn) {
  StatusOr<claims::SqliteStatement*> s =
      db.Prepare("INSERT INTO " + table + " (wal_id, lsn) VALUES (?1, ?2) ON CONFLICT(wal_id) " +
                 "DO UPDATE SET lsn = excluded.lsn WHERE excluded.lsn > " + table + ".lsn");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(wal_id)).Bind(2, static_cast<int64_t>(lsn));
  const Status run = (*s)->Run();
  (*s)->Reset();
  return run;
}

StatusOr<uint64_t> AppliedLsn(claims::SqliteDatabase& db, const std::string& wal_id) {
  return ReadLsn(db, "wal_applied", wal_id);
}

Status SetAppliedLsn(claims::SqliteDatabase& db, const std::string& wal_id, uint64_t lsn) {
  return WriteLsn(db, "wal_applied", wal_id, lsn);
}

namespace {
// A journal write outside the command's transaction would be committed by SQLite at once,
// without its WAL entry.
Status RequireTransaction(const claims::SqliteDatabase& db) {
  if (db.TransactionOpen()) return Status::Ok();
  return claims::Unavailable("the database rolled the batch's transaction back");
}
}  // namespace

Status JournalTxn::Put(const std::string& table, nlohmann::json row) {
  CLAIMS_RETURN_IF_ERROR(RequireTransaction(db_));
  RowChange change{table, std::move(row), false};
  CLAIMS_RETURN_IF_ERROR(ApplyRowChange(db_, tables_, change));
  record_.changes.push_back(std::move(change));
  return Status::Ok();
}

Status JournalTxn::Remove(const std::string& table, nlohmann::json key_and_version) {
  CLAIMS_RETURN_IF_ERROR(RequireTransaction(db_));
  RowChange change{table, std::move(key_and_version), true};
  CLAIMS_RETURN_IF_ERROR(ApplyRowChange(db_, tables_, change));
  record_.changes.push_back(std::move(change));
  return Status::Ok();
}

struct Journal::Pending {
  Command command;
  Status result;
  bool done = false;
};

namespace {
JournalOptions WithStatements(JournalOptions options) {
  for (StateTable& t : options.tables) t.upsert_sql = BuildUpsertSql(t);
  return options;
}
}  // namespace

Journal::Journal(JournalOptions options) : options_(WithStatements(std::move(options))) {}

StatusOr<std::unique_ptr<Journal>> Journal::Open(const JournalOptions& options,
                                                 JournalOpenReport* report) {
  std::unique_ptr<Journal> journal(new Journal(options));
  JournalOpenReport local;
  JournalOpenReport& r = report != nullptr ? *report : local;
  std::error_code ec;
  std::filesystem::create_directories(options.wal_dir, ec);
  if (ec) return claims::Internal("cannot create " + options.wal_dir + ": " + ec.message());
  StatusOr<std::unique_ptr<Log>> log = Log::Open(options.wal_dir, options.log, &r.log);
  if (!log.ok()) return log.status();
  journal->log_ = std::move(*log);
  StatusOr<std::unique_ptr<claims::SqliteDatabase>> db =
      claims::SqliteDatabase::Open(options.db_path);
  if (!db.ok()) return db.status();
  journal->db_ = std::move(*db);
  claims::SqliteDatabase& sql = *journal->db_;
  // The WAL is what makes a change durable; the database may lose its last commits in a power
  // failure (synchronous=NORMAL in WAL mode keeps it consistent), and Open replays them.
  CLAIMS_RETURN_IF_ERROR(sql.Exec("PRAGMA synchronous = NORMAL"));
  CLAIMS_RETURN_IF_ERROR(sql.Exec("PRAGMA cache_size = -65536"));  // 64 MiB
  CLAIMS_RETURN_IF_ERROR(EnsureJournalTables(sql));
  CLAIMS_RETURN_IF_ERROR(RecordStateTables(sql, journal->options_.tables));
  CLAIMS_RETURN_IF_ERROR(WriteWalId(options.wal_dir, options.wal_id));

  // Replay what the database misses, in transactions of a bounded number of entries.
  StatusOr<uint64_t> applied = AppliedLsn(sql, options.wal_id);
  if (!applied.ok()) return applied.status();
  const uint64_t target = journal->log_->durable_lsn();
  uint64_t next = *applied + 1;
  while (next <= target) {
    Status replayed = sql.InTransaction([&]() -> Status {
      Status inner;
      uint64_t last = 0;
      int count = 0;
      CLAIMS_RETURN_IF_ERROR(journal->log_->ReadFrom(next, [&](const Entry& e) {
        if (e.type == kJournalEntryType) {
          StatusOr<JournalRecord> record = DecodeJournalRecord(e.payload);
          if (!record.ok()) {
            inner = record.status();
            return false;
          }
          for (const RowChange& c : record->changes) {
            inner = ApplyRowChange(sql, journal->options_.tables, c);
            // A unique-constraint clash on replay means a row this entry wrote was later
            // replaced under another key by another instance; the newer state wins.
            if (inner.code() == claims::StatusCode::kConflict) inner = Status::Ok();
            if (!inner.ok()) return false;
          }
        }
        last = e.lsn;
        ++r.replayed_entries;
        return ++count < 2000;
      }));
      CLAIMS_RETURN_IF_ERROR(inner);
      if (last == 0) return claims::Internal("the WAL ends before its durable LSN");
      next = last + 1;
      return SetAppliedLsn(sql, options.wal_id, last);
    });
    if (!replayed.ok()) {
      return claims::Internal("cannot replay WAL " + options.wal_dir + " into " + options.db_path +
                              ": " + replayed.ToString());
    }
  }
  if (r.replayed_entries > 0) {
    claims::Log(claims::LogLevel::kWarn, "replayed WAL entries the database missed",
                {{"wal_dir", options.wal_dir}, {"entries", r.replayed_entries}});
  }
  journal->committer_ = std::thread([j = journal.get()] { j->CommitLoop(); });
  return journal;
}

Journal::~Journal() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (committer_.joinable()) committer_.join();
}

Status Journal::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

Status Journal::Execute(Command command) {
  std::vector<Command> one;
  one.push_back(std::move(command));
  return ExecuteAll(std::move(one)).front();
}

std::vector<Status> Journal::ExecuteAll(std::vector<Command> commands) {
  std::vector<std::shared_ptr<Pending>> pending;
  pending.reserve(commands.size());
  for (Command& c : commands) {
    pending.push_back(std::make_shared<Pending>());
    pending.back()->command = std::move(c);
  }
  std::vector<Status> results(pending.size());
  std::unique_lock lock(mu_);
  if (!failure_.ok() || stopping_) {
    const Status refused =
        stopping_
            ? claims::Unavailable("the journal is shutting down")
            : claims::Unavailable("the journal stopped after an error: " + failure_.ToString());
    for (Status& r : results) r = refused;
    return results;
  }
  for (auto& p : pending) queue_.push_back(p);
  cv_.notify_all();
  cv_.wait(lock, [&] { return pending.empty() || pending.back()->done; });
  for (size_t i = 0; i < pending.size(); ++i) results[i] = pending[i]->result;
  return results;
}

void Journal::CommitLoop() {
  std::vector<std::shared_ptr<Pending>> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    CommitBatch(batch);
    {
      std::lock_guard lock(mu_);
      for (auto& p : batch) p->done = true;
    }
    cv_.notify_all();
    batch.clear();
  }
}

void Journal::CommitBatch(std::vector<std::shared_ptr<Pending>>& batch) {
  {
    std::lock_guard lock(mu_);
    if (!failure_.ok()) {
      for (auto& p : batch) p->result = claims::Unavailable(failure_.ToString());
      return;
    }
  }
  claims::SqliteDatabase& db = *db_;
  auto fail_all = [&](const Status& s) {
    for (auto& p : batch) p->result = s;
  };
  if (Status begun = db.Exec("BEGIN IMMEDIATE"); !begun.ok()) {
    fail_all(claims::Unavailable("cannot start a transaction: " + begun.ToString()));
    return;
  }
  std::vector<NewEntry> entries;
  std::vector<std::vector<claims::OutgoingEvent>> events;
  // Set when the batch's transaction is gone (a savepoint statement failed, or SQLite rolled
  // the transaction back by itself): nothing of the batch may commit, and nothing was logged.
  Status lost;
  for (auto& p : batch) {
    if (Status begun_command = db.Exec("SAVEPOINT command"); !begun_command.ok()) {
      lost = begun_command;
      break;
    }
    JournalTxn txn(db, options_.tables);
    Status s;
    try {
      s = p->command(txn);
    } catch (const std::exception& e) {
      s = claims::Internal(std::string("command threw: ") + e.what());
    }
    std::string payload;
    if (s.ok() && !(txn.record_.changes.empty() && txn.record_.events.empty())) {
      payload = EncodeJournalRecord(txn.record_);
      // Refused here, for this command alone: the log would refuse the whole batch's write,
      // and a failed write stops the journal.
      if (payload.size() > kMaxPayloadSize) {
        s = claims::InvalidArgument(
            "the change is too large for the write-ahead log (" + std::to_string(payload.size()) +
            " bytes; at most " + std::to_string(kMaxPayloadSize) + "): send it in smaller parts");
      }
    }
    if (!db.TransactionOpen()) {
      lost = claims::Unavailable("the database rolled the transaction back during a command (" +
                                 s.ToString() + ")");
      break;
    }
    if (!s.ok()) {
      Status undone = db.Exec("ROLLBACK TO command");
      if (undone.ok()) undone = db.Exec("RELEASE command");
      if (!undone.ok() || !db.TransactionOpen()) {
        lost = undone.ok() ? claims::Unavailable("the transaction ended on ROLLBACK TO") : undone;
        break;
      }
      p->result = s;
      continue;
    }
    if (Status released = db.Exec("RELEASE command"); !released.ok() || !db.TransactionOpen()) {
      lost = released.ok() ? claims::Unavailable("the transaction ended on RELEASE") : released;
      break;
    }
    if (payload.empty()) continue;
    entries.push_back(NewEntry{kJournalEntryType, 1, std::move(payload)});
    events.push_back(std::move(txn.record_.events));
  }
  if (!lost.ok()) {
    if (db.TransactionOpen()) {
      if (Status rolled_back = db.Exec("ROLLBACK"); !rolled_back.ok()) lost = rolled_back;
    }
    claims::Log(claims::LogLevel::kWarn, "journal batch lost its transaction; nothing was logged",
                {{"wal_dir", options_.wal_dir}, {"error", lost.ToString()}});
    fail_all(claims::Unavailable(
        "the change was not made (its transaction was lost): " + lost.ToString() + "; retry"));
    return;
  }
  if (entries.empty()) {
    // Only reads, or only failed commands: nothing to keep, but a failed COMMIT is still news.
    if (Status committed = db.Exec("COMMIT"); !committed.ok()) {
      (void)db.Exec("ROLLBACK");  // ends the transaction if COMMIT left it open; nothing in it
      claims::Log(claims::LogLevel::kWarn, "journal could not end a read-only transaction",
                  {{"wal_dir", options_.wal_dir}, {"error", committed.ToString()}});
    }
    return;
  }
  const size_t count = entries.size();
  StatusOr<uint64_t> first = log_->AppendBatch(std::move(entries));
  Status done = first.status();
  if (first.ok()) done = SetAppliedLsn(db, options_.wal_id, *first + count - 1);
  if (done.ok()) done = db.Exec("COMMIT");
  if (!done.ok()) {
    (void)db.Exec("ROLLBACK");
    {
      std::lock_guard lock(mu_);
      failure_ = done;
    }
    claims::Log(claims::LogLevel::kError,
                "journal stopped: a change could not be made durable and applied",
                {{"wal_dir", options_.wal_dir}, {"error", done.ToString()}});
    for (auto& p : batch) {
      if (p->result.ok()) p->result = done;
    }
    return;
  }
  if (CommitListener* listener = listener_.load(); listener != nullptr) {
    for (size_t i = 0; i < count; ++i) listener->OnCommitted(*first + i, std::move(events[i]));
  }
}

}  // namespace wal
