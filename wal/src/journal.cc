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

namespace {

// A JSON string literal for `text` (escaped as nlohmann::json does).
void AppendJsonString(std::string* out, const std::string& text) {
  *out += nlohmann::json(text).dump();
}

}  // namespace

// Written out directly rather than built as one JSON tree and dumped: the tree would copy every
// row (a std::map per row) only to serialize and free it on the committer thread. The text is
// the same as the tree's dump (keys in sorted order), which is what older entries hold.
std::string EncodeJournalRecord(const JournalRecord& record) {
  std::string out;
  out.reserve(256 * (record.changes.size() + record.events.size()));
  out += "{\"changes\":[";
  for (size_t i = 0; i < record.changes.size(); ++i) {
    const RowChange& c = record.changes[i];
    if (i > 0) out += ',';
    out += c.deleted ? "{\"deleted\":true,\"row\":" : "{\"row\":";
    out += c.row.dump();
    out += ",\"table\":";
    AppendJsonString(&out, c.table);
    out += '}';
  }
  out += ']';
  if (record.db_position) out += ",\"db_position\":" + std::to_string(*record.db_position);
  out += ",\"events\":[";
  for (size_t i = 0; i < record.events.size(); ++i) {
    const claims::OutgoingEvent& e = record.events[i];
    if (i > 0) out += ',';
    out += "{\"event_id\":";
    AppendJsonString(&out, e.event_id);
    if (!e.headers.empty()) out += ",\"headers\":" + nlohmann::json(e.headers).dump();
    out += ",\"key\":";
    AppendJsonString(&out, e.key);
    out += ",\"payload\":";
    AppendJsonString(&out, e.payload);
    out += ",\"topic\":";
    AppendJsonString(&out, e.topic);
    out += '}';
  }
  out += "]}";
  return out;
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
    if (j.contains("db_position")) record.db_position = j.at("db_position").get<uint64_t>();
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
    Status run = (*s)->Run();
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
    Status bound = BindValue(*s, static_cast<int>(i + 1), it == row.end() ? nlohmann::json() : *it,
                             t->columns[i]);
    if (!bound.ok()) {
      (*s)->Reset();
      return bound;
    }
  }
  Status run = (*s)->Run();
  (*s)->Reset();
  return run;
}

void AbortedRanges::Add(uint64_t from, uint64_t through) {
  if (from > through || Contains(from)) return;
  ranges_.emplace_back(from, through);
  std::sort(ranges_.begin(), ranges_.end());
}

bool AbortedRanges::Contains(uint64_t lsn) const {
  for (const auto& [from, through] : ranges_) {
    if (lsn >= from && lsn <= through) return true;
  }
  return false;
}

Status WalOutcomes::Add(const Entry& entry) {
  if (entry.type != kOutcomeEntryType) return Status::Ok();
  const auto j = nlohmann::json::parse(entry.payload, nullptr, false);
  if (!j.is_object()) {
    return claims::Internal("outcome entry at LSN " + std::to_string(entry.lsn) +
                            " is not a JSON object");
  }
  try {
    if (j.contains("committed_through")) {
      committed_through = std::max(committed_through, j.at("committed_through").get<uint64_t>());
    }
    if (j.contains("aborted_from")) {
      aborted.Add(j.at("aborted_from").get<uint64_t>(), j.at("aborted_through").get<uint64_t>());
    }
  } catch (const nlohmann::json::exception& e) {
    return claims::Internal("outcome entry at LSN " + std::to_string(entry.lsn) +
                            " cannot be read: " + e.what());
  }
  return Status::Ok();
}

Status EnsureJournalTables(claims::SqliteDatabase& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS wal_applied (wal_id TEXT PRIMARY KEY, lsn INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS wal_aborted (wal_id TEXT NOT NULL, from_lsn INTEGER NOT NULL, "
      "through_lsn INTEGER NOT NULL, PRIMARY KEY (wal_id, from_lsn));"
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
    Status run = (*s)->Run();
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
  Status run = (*s)->Run();
  (*s)->Reset();
  return run;
}

StatusOr<uint64_t> AppliedLsn(claims::SqliteDatabase& db, const std::string& wal_id) {
  return ReadLsn(db, "wal_applied", wal_id);
}

// The instances' commits are serialized by the database, so the sum is a position in its one
// history: the same whichever instance reads it, and larger in every later state.
StatusOr<uint64_t> DatabasePosition(claims::SqliteDatabase& db) {
  StatusOr<claims::SqliteStatement*> s =
      db.Prepare("SELECT COALESCE(SUM(lsn), 0) FROM wal_applied");
  if (!s.ok()) return s.status();
  StatusOr<bool> row = (*s)->Step();
  const uint64_t sum = row.ok() && *row ? static_cast<uint64_t>((*s)->ColumnInt(0)) : 0;
  (*s)->Reset();
  if (!row.ok()) return row.status();
  return sum;
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
  bool done = false;  // for a waiting caller (Execute); guarded by mu_
  Done on_done;       // for a submitted command: run by the completion thread
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
  // The database decides whether an entry committed, so its commits must be durable before
  // anyone is answered.
  CLAIMS_RETURN_IF_ERROR(sql.Exec("PRAGMA synchronous = FULL"));
  CLAIMS_RETURN_IF_ERROR(sql.Exec("PRAGMA cache_size = -65536"));  // 64 MiB
  CLAIMS_RETURN_IF_ERROR(EnsureJournalTables(sql));
  CLAIMS_RETURN_IF_ERROR(RecordStateTables(sql, journal->options_.tables));
  CLAIMS_RETURN_IF_ERROR(WriteWalId(options.wal_dir, options.wal_id));
  CLAIMS_RETURN_IF_ERROR(journal->Recover(&r));
  journal->committer_ = std::thread([j = journal.get()] { j->CommitLoop(); });
  journal->completer_ = std::thread([j = journal.get()] { j->CompletionLoop(); });
  return journal;
}

Status Journal::Recover(JournalOpenReport* report) {
  claims::SqliteDatabase& sql = *db_;
  const std::string& wal_id = options_.wal_id;
  StatusOr<claims::SqliteStatement*> known =
      sql.Prepare("SELECT COUNT(*) FROM wal_applied WHERE wal_id = ?1");
  if (!known.ok()) return known.status();
  (*known)->Bind(1, std::string_view(wal_id));
  StatusOr<bool> known_row = (*known)->Step();
  const bool database_knows_wal = known_row.ok() && *known_row && (*known)->ColumnInt(0) > 0;
  (*known)->Reset();
  if (!known_row.ok()) return known_row.status();
  StatusOr<uint64_t> applied = AppliedLsn(sql, wal_id);
  if (!applied.ok()) return applied.status();
  StatusOr<claims::SqliteStatement*> ranges =
      sql.Prepare("SELECT from_lsn, through_lsn FROM wal_aborted WHERE wal_id = ?1");
  if (!ranges.ok()) return ranges.status();
  (*ranges)->Bind(1, std::string_view(wal_id));
  using Range = std::pair<uint64_t, uint64_t>;
  StatusOr<std::vector<Range>> recorded = claims::CollectRows<
      Range>(*ranges, [](const claims::SqliteStatement& row) -> StatusOr<Range> {
    return Range{static_cast<uint64_t>(row.ColumnInt(0)), static_cast<uint64_t>(row.ColumnInt(1))};
  });
  if (!recorded.ok()) return recorded.status();
  for (const auto& [from, through] : *recorded) aborted_.Add(from, through);

  // What the WAL holds past the last committed entry: entries prepared and never committed, and
  // the outcome entries an earlier recovery wrote about them.
  const uint64_t durable = log_->durable_lsn();
  if (*applied > durable) {
    return claims::FailedPrecondition(
        "WAL " + options_.wal_dir + " ends at LSN " + std::to_string(durable) +
        " but the database " + options_.db_path + " has applied its entries up to LSN " +
        std::to_string(*applied) +
        ": the WAL lost entries (a walctl repair --force, a removed segment or a recreated "
        "directory), and new entries would reuse LSNs the database and the relay have passed. "
        "With this instance stopped, run `walctl reseat " +
        options_.wal_dir + " --after " + std::to_string(*applied) +
        "` (the old segments are kept aside), start again, then take a snapshot "
        "(POST /admin/snapshot): restores need one newer than the loss");
  }
  WalOutcomes seen;
  std::vector<uint64_t> journal_entries;
  Status read_status;
  if (durable > *applied) {
    CLAIMS_RETURN_IF_ERROR(log_->ReadFrom(*applied + 1, [&](const Entry& e) {
      read_status = seen.Add(e);
      if (!read_status.ok()) return false;
      if (e.type == kJournalEntryType) journal_entries.push_back(e.lsn);
      return true;
    }));
    CLAIMS_RETURN_IF_ERROR(read_status);
  }
  // An outcome entry follows the entries it speaks of, so what is still unresolved is known
  // only once the whole tail is read.
  uint64_t first_prepared = 0;
  uint64_t prepared = 0;
  for (uint64_t lsn : journal_entries) {
    if (seen.aborted.Contains(lsn) || aborted_.Contains(lsn)) continue;
    if (first_prepared == 0) first_prepared = lsn;
    ++prepared;
  }
  if (!database_knows_wal && !journal_entries.empty()) {
    return claims::FailedPrecondition(
        "the database " + options_.db_path + " has no record of WAL " + options_.wal_dir + " (" +
        wal_id + "), which holds " + std::to_string(journal_entries.size()) +
        " entries: it is not this WAL's database. Rebuild a lost database from a snapshot and the "
        "WALs (bash develop_local.sh replay SERVICE, or walctl restore) instead of starting on "
        "an empty one");
  }
  // From here on the database knows the WAL, even before its first commit.
  CLAIMS_RETURN_IF_ERROR(SetAppliedLsn(sql, wal_id, *applied));
  committed_lsn_ = *applied;
  if (prepared > 0) {
    // Every type-1 entry past the applied LSN was prepared by a process that died before its
    // COMMIT (the database's commits are durable), and nobody was answered for it. The
    // database records the abort first: from its commit on they never committed, whatever
    // becomes of the WAL's own outcome entry below.
    StatusOr<claims::SqliteStatement*> insert = sql.Prepare(
        "INSERT OR IGNORE INTO wal_aborted (wal_id, from_lsn, through_lsn) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.status();
    (*insert)
        ->Bind(1, std::string_view(wal_id))
        .Bind(2, static_cast<int64_t>(first_prepared))
        .Bind(3, static_cast<int64_t>(durable));
    const Status inserted = (*insert)->Run();
    (*insert)->Reset();
    CLAIMS_RETURN_IF_ERROR(inserted);
    aborted_.Add(first_prepared, durable);
    report->aborted_entries = prepared;
    claims::Log(claims::LogLevel::kWarn,
                "aborted WAL entries that never committed (their process died before its "
                "COMMIT; nobody was answered for them)",
                {{"wal_dir", options_.wal_dir},
                 {"entries", prepared},
                 {"from_lsn", first_prepared},
                 {"through_lsn", durable}});
  }
  // The WAL gets what it lacks of the outcome: an aborted range the database has and the WAL
  // does not (new, or an earlier recovery died before writing it), and the commit mark of the
  // last committed entry (a process that died between a COMMIT and its mark).
  bool marked = *applied == 0 || seen.committed_through >= *applied;
  for (const auto& [from, through] : aborted_.ranges()) {
    if (through <= *applied || seen.aborted.Contains(from)) continue;
    const nlohmann::json outcome = {
        {"committed_through", *applied}, {"aborted_from", from}, {"aborted_through", through}};
    StatusOr<uint64_t> written = log_->Append({kOutcomeEntryType, 1, outcome.dump()});
    if (!written.ok()) return written.status();
    marked = true;
  }
  if (!marked) {
    StatusOr<uint64_t> written = log_->Append(
        {kOutcomeEntryType, 1, nlohmann::json{{"committed_through", *applied}}.dump()});
    if (!written.ok()) return written.status();
  }
  return Status::Ok();
}

Journal::~Journal() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (committer_.joinable()) committer_.join();
  // Every batch is finished now; the completion thread runs what is left of theirs, then ends.
  {
    std::lock_guard lock(completion_mu_);
    completion_stopping_ = true;
  }
  completion_cv_.notify_all();
  if (completer_.joinable()) completer_.join();
}

StatusOr<uint64_t> Journal::AppendBetweenBatches(NewEntry entry) {
  std::lock_guard lock(append_mu_);
  return log_->Append(std::move(entry));
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
  if (Status refused = RefusalLocked(); !refused.ok()) {
    for (Status& r : results) r = refused;
    return results;
  }
  for (auto& p : pending) queue_.push_back(p);
  cv_.notify_all();
  cv_.wait(lock, [&] { return pending.empty() || pending.back()->done; });
  for (size_t i = 0; i < pending.size(); ++i) results[i] = pending[i]->result;
  return results;
}

Status Journal::RefusalLocked() const {
  if (stopping_) return claims::Unavailable("the journal is shutting down");
  if (!failure_.ok()) {
    return claims::Unavailable("the journal stopped after an error: " + failure_.ToString());
  }
  return Status::Ok();
}

void Journal::Submit(Command command, Done done) {
  auto pending = std::make_shared<Pending>();
  pending->command = std::move(command);
  pending->on_done = std::move(done);
  Status refused;
  {
    std::lock_guard lock(mu_);
    refused = RefusalLocked();
    if (refused.ok()) queue_.push_back(pending);
  }
  if (!refused.ok()) {
    pending->on_done(refused);
    return;
  }
  cv_.notify_all();
}

void Journal::CompletionLoop() {
  std::vector<std::shared_ptr<Pending>> batch;
  for (;;) {
    {
      std::unique_lock lock(completion_mu_);
      completion_cv_.wait(lock, [&] { return completion_stopping_ || !completions_.empty(); });
      if (completions_.empty()) return;  // stopping, nothing left
      batch = std::move(completions_.front());
      completions_.pop_front();
    }
    for (auto& p : batch) {
      try {
        p->on_done(p->result);
      } catch (const std::exception& e) {
        claims::Log(claims::LogLevel::kError, "a journal completion threw",
                    {{"wal_dir", options_.wal_dir}, {"error", e.what()}});
      }
    }
    batch.clear();
  }
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
    std::vector<std::shared_ptr<Pending>> submitted;
    bool waited = false;
    {
      std::lock_guard lock(mu_);
      for (auto& p : batch) {
        if (p->on_done) {
          submitted.push_back(std::move(p));
        } else {
          p->done = true;
          waited = true;
        }
      }
    }
    if (waited) cv_.notify_all();
    if (!submitted.empty()) {
      {
        std::lock_guard lock(completion_mu_);
        completions_.push_back(std::move(submitted));
      }
      completion_cv_.notify_one();
    }
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
  // Read under the write lock BEGIN IMMEDIATE took: no other instance commits before this batch.
  StatusOr<uint64_t> position = DatabasePosition(db);
  if (!position.ok()) {
    (void)db.Exec("ROLLBACK");  // nothing was done in it
    fail_all(
        claims::Unavailable("cannot read the database position: " + position.status().ToString()));
    return;
  }
  // Every other append waits for append_mu_ and each append returns once it is written, so the
  // batch's entries get the LSNs from here on, in order (checked after the append).
  std::unique_lock appending(append_mu_);
  const uint64_t first_lsn = log_->last_lsn() + 1;
  std::vector<NewEntry> entries;
  std::vector<std::vector<claims::OutgoingEvent>> events;
  std::vector<std::vector<std::function<void(uint64_t)>>> after_commit;  // per entry
  // Set when the batch's transaction is gone (a savepoint statement failed, or SQLite rolled
  // the transaction back by itself): nothing of the batch may commit, and nothing was logged.
  Status lost;
  for (auto& p : batch) {
    if (Status begun_command = db.Exec("SAVEPOINT command"); !begun_command.ok()) {
      lost = begun_command;
      break;
    }
    JournalTxn txn(db, options_.tables, options_.wal_id, first_lsn + entries.size());
    Status s;
    try {
      s = p->command(txn);
    } catch (const std::exception& e) {
      s = claims::Internal(std::string("command threw: ") + e.what());
    }
    std::string payload;
    if (s.ok() && !(txn.record_.changes.empty() && txn.record_.events.empty())) {
      txn.record_.db_position = *position;
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
    after_commit.push_back(std::move(txn.after_commit_));
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
  appending.unlock();
  Status done = first.status();
  if (first.ok() && *first != first_lsn) {
    // Rows that named their entry would name another: nothing of the batch may commit.
    done = claims::Internal("the log gave the batch LSN " + std::to_string(*first) +
                            ", not the expected " + std::to_string(first_lsn) +
                            " (another writer on the WAL)");
  }
  if (done.ok()) done = SetAppliedLsn(db, options_.wal_id, *first + count - 1);
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
    // Not the request's fault: its caller may retry (elsewhere), as every later command is told.
    const Status refused = claims::Unavailable(
        "the change was not made: the journal stopped after an error: " + done.ToString());
    for (auto& p : batch) {
      if (p->result.ok()) p->result = refused;
    }
    return;
  }
  // The commit mark makes the outcome known without the database (walctl restore). The batch
  // committed whatever happens to the mark, so its callers are answered either way; a failed
  // write stops the journal as any failed WAL write does, and the next Open writes the mark.
  const uint64_t last = *first + count - 1;
  committed_lsn_ = last;
  StatusOr<uint64_t> marked =
      log_->Append({kOutcomeEntryType, 1, nlohmann::json{{"committed_through", last}}.dump()});
  if (!marked.ok()) {
    {
      std::lock_guard lock(mu_);
      failure_ = marked.status();
    }
    claims::Log(claims::LogLevel::kError, "journal stopped: a commit mark could not be written",
                {{"wal_dir", options_.wal_dir}, {"error", marked.status().ToString()}});
  }
  if (CommitListener* listener = listener_.load(); listener != nullptr) {
    for (size_t i = 0; i < count; ++i) listener->OnCommitted(*first + i, std::move(events[i]));
  }
  for (size_t i = 0; i < count; ++i) {
    for (const auto& done : after_commit[i]) done(*first + i);
  }
}

}  // namespace wal
