#include "claims_joiner/join_store.h"

#include <array>

#include "shared/event_schemas.h"
#include "shared/json_log.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

const std::array<Migration, 1> kMigrations{{
    {1, R"sql(
      CREATE TABLE positions (topic TEXT NOT NULL, partition INTEGER NOT NULL,
                              next_offset INTEGER NOT NULL, PRIMARY KEY (topic, partition));
      CREATE TABLE policies (policy_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
                             deleted INTEGER NOT NULL, details TEXT NOT NULL);
      CREATE TABLE claims (claim_id TEXT PRIMARY KEY, version INTEGER NOT NULL,
                           state TEXT NOT NULL, event TEXT NOT NULL);
      CREATE TABLE results (claim_id TEXT NOT NULL, event_type TEXT NOT NULL,
                            event TEXT NOT NULL, PRIMARY KEY (claim_id, event_type));
      CREATE TABLE waiting (claim_id TEXT PRIMARY KEY, policy_id TEXT);
      CREATE INDEX waiting_by_policy ON waiting (policy_id);
      CREATE TABLE outputs (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
                            claim_id TEXT NOT NULL, payload TEXT NOT NULL,
                            published INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX outputs_unpublished ON outputs (published, seq);
      CREATE TABLE relay_start (partition INTEGER PRIMARY KEY, end_offset INTEGER NOT NULL);
    )sql"},
}};

bool IsTerminalState(const std::string& s) {
  return s == "PAID" || s == "REJECTED" || s == "PAYMENT_FAILED" || s == "REVERSED" ||
         s == "VOIDED" || s == "COMPENSATION_FAILED";
}

// The payment results that decide a claim's move by `saga_event`; empty when no payment result
// did (a policy check, an operator's alert).
std::vector<std::string> DecidingResults(const std::string& saga_event) {
  if (saga_event == "PAYMENT_SETTLED") return {"PAYMENT_SETTLED"};
  if (saga_event == "REFUNDED") return {"REFUNDED"};
  if (saga_event == "VOIDED") return {"VOIDED"};
  if (saga_event == "PAYMENT_DECLINED") return {"PAYMENT_DECLINED", "PAYMENT_ATTEMPT_FAILED"};
  return {};
}

std::string Text(const nlohmann::json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StatusOr<std::unique_ptr<JoinStore>> JoinStore::Open(const std::string& path, EventSource source) {
  StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path);
  if (!db.ok()) return db.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(kMigrations));
  return std::unique_ptr<JoinStore>(new JoinStore(std::move(*db), std::move(source)));
}

StatusOr<std::map<std::pair<std::string, int>, int64_t>> JoinStore::Positions() {
  StatusOr<SqliteStatement*> s =
      db_->Prepare("SELECT topic, partition, next_offset FROM positions");
  if (!s.ok()) return s.status();
  using Row = std::pair<std::pair<std::string, int>, int64_t>;
  StatusOr<std::vector<Row>> rows = CollectRows<Row>(*s, [](SqliteStatement& r) -> StatusOr<Row> {
    return Row{{r.ColumnText(0), static_cast<int>(r.ColumnInt(1))}, r.ColumnInt(2)};
  });
  if (!rows.ok()) return rows.status();
  return std::map<std::pair<std::string, int>, int64_t>(rows->begin(), rows->end());
}

StatusOr<ApplyCounts> JoinStore::Apply(std::span<const KafkaMessage> batch) {
  ApplyCounts counts;
  const Status s = db_->InTransaction([&]() -> Status {
    StatusOr<std::map<std::pair<std::string, int>, int64_t>> positions = Positions();
    if (!positions.ok()) return positions.status();
    StatusOr<SqliteStatement*> save = db_->Prepare(
        "INSERT INTO positions (topic, partition, next_offset) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset");
    if (!save.ok()) return save.status();
    for (const KafkaMessage& m : batch) {
      int64_t& next = (*positions)[{m.topic, m.partition}];
      if (m.offset < next) {  // applied before (a redelivery)
        ++counts.skipped;
        continue;
      }
      CLAIMS_RETURN_IF_ERROR(ApplyOne(m, &counts));
      next = m.offset + 1;
      (*save)->Bind(1, std::string_view(m.topic)).Bind(2, m.partition).Bind(3, next);
      const Status saved = (*save)->Run();
      (*save)->Reset();  // reused for the next message
      CLAIMS_RETURN_IF_ERROR(saved);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return counts;
}

Status JoinStore::ApplyOne(const KafkaMessage& m, ApplyCounts* counts) {
  const nlohmann::json event = nlohmann::json::parse(m.value, nullptr, false);
  const std::string_view schema = SchemaForTopic(m.topic);
  const Status valid =
      event.is_discarded() ? InvalidArgument("not JSON") : ValidateMessage(schema, event);
  if (!valid.ok()) {
    ++counts->invalid;
    Log(LogLevel::kWarn, "input message left out of the join",
        {{"topic", m.topic},
         {"partition", m.partition},
         {"offset", m.offset},
         {"error", valid.message()}});
    return Status::Ok();
  }
  const std::string type = Text(event, "event_type");
  if (schema == "policy-event") {
    const nlohmann::json& details = event["policy_details"];
    const std::string policy_id = Text(details, "policy_id");
    const int64_t version = details["version"].get<int64_t>();
    const bool deleted = type == "POLICY_DELETED";
    // A deletion sticks; otherwise the highest version wins.
    StatusOr<SqliteStatement*> up = db_->Prepare(
        "INSERT INTO policies (policy_id, version, deleted, details) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (policy_id) DO UPDATE SET version = excluded.version, "
        "deleted = max(deleted, excluded.deleted), details = excluded.details "
        "WHERE excluded.version > policies.version OR excluded.deleted > policies.deleted");
    if (!up.ok()) return up.status();
    (*up)->Bind(1, std::string_view(policy_id)).Bind(2, version).Bind(3, deleted ? 1 : 0);
    (*up)->Bind(4, std::string_view(details.dump()));
    CLAIMS_RETURN_IF_ERROR((*up)->Run());
    if (db_->ChangedRows() == 0) {
      ++counts->skipped;
      return Status::Ok();
    }
    ++counts->applied;
    StatusOr<SqliteStatement*> waiting =
        db_->Prepare("SELECT claim_id FROM waiting WHERE policy_id = ?1");
    if (!waiting.ok()) return waiting.status();
    (*waiting)->Bind(1, std::string_view(policy_id));
    StatusOr<std::vector<std::string>> claims = CollectRows<std::string>(
        *waiting, [](SqliteStatement& r) -> StatusOr<std::string> { return r.ColumnText(0); });
    if (!claims.ok()) return claims.status();
    for (const std::string& c : *claims) CLAIMS_RETURN_IF_ERROR(TryJoin(c, counts));
    return Status::Ok();
  }
  const std::string claim_id = Text(event, "claim_id");
  if (schema == "claim-state-changed") {
    StatusOr<SqliteStatement*> up = db_->Prepare(
        "INSERT INTO claims (claim_id, version, state, event) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (claim_id) DO UPDATE SET version = excluded.version, "
        "state = excluded.state, event = excluded.event WHERE excluded.version > claims.version");
    if (!up.ok()) return up.status();
    (*up)->Bind(1, std::string_view(claim_id)).Bind(2, event["version"].get<int64_t>());
    (*up)->Bind(3, std::string_view(Text(event, "to"))).Bind(4, std::string_view(m.value));
    CLAIMS_RETURN_IF_ERROR((*up)->Run());
    if (db_->ChangedRows() == 0) {
      ++counts->skipped;
      return Status::Ok();
    }
  } else {  // payment-result
    StatusOr<SqliteStatement*> up = db_->Prepare(
        "INSERT INTO results (claim_id, event_type, event) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (claim_id, event_type) DO UPDATE SET event = excluded.event");
    if (!up.ok()) return up.status();
    (*up)->Bind(1, std::string_view(claim_id)).Bind(2, std::string_view(type));
    (*up)->Bind(3, std::string_view(m.value));
    CLAIMS_RETURN_IF_ERROR((*up)->Run());
  }
  ++counts->applied;
  return TryJoin(claim_id, counts);
}

Status JoinStore::TryJoin(const std::string& claim_id, ApplyCounts* counts) {
  StatusOr<SqliteStatement*> q =
      db_->Prepare("SELECT state, event FROM claims WHERE claim_id = ?1");
  if (!q.ok()) return q.status();
  (*q)->Bind(1, std::string_view(claim_id));
  StatusOr<bool> row = (*q)->Step();
  if (!row.ok() || !*row) {
    (*q)->Reset();
    return row.ok() ? Status::Ok() : row.status();  // the claim's events have not come yet
  }
  const std::string state = (*q)->ColumnText(0);
  const nlohmann::json claim = nlohmann::json::parse((*q)->ColumnText(1));
  (*q)->Reset();
  if (!IsTerminalState(state)) return Status::Ok();
  const std::string event_id = claim_id + "/joined/" + state;
  StatusOr<SqliteStatement*> done = db_->Prepare("SELECT 1 FROM outputs WHERE event_id = ?1");
  if (!done.ok()) return done.status();
  (*done)->Bind(1, std::string_view(event_id));
  row = (*done)->Step();
  (*done)->Reset();
  if (!row.ok()) return row.status();
  if (*row) return Status::Ok();  // joined already

  StatusOr<SqliteStatement*> wait = db_->Prepare(
      "INSERT INTO waiting (claim_id, policy_id) VALUES (?1, ?2) "
      "ON CONFLICT (claim_id) DO UPDATE SET policy_id = excluded.policy_id");
  if (!wait.ok()) return wait.status();
  const std::string policy_id = Text(claim, "policy_id");
  nlohmann::json policy = nullptr;
  bool policy_deleted = false;
  if (!policy_id.empty()) {
    StatusOr<SqliteStatement*> p =
        db_->Prepare("SELECT details, deleted FROM policies WHERE policy_id = ?1");
    if (!p.ok()) return p.status();
    (*p)->Bind(1, std::string_view(policy_id));
    row = (*p)->Step();
    if (row.ok() && *row) {
      policy = nlohmann::json::parse((*p)->ColumnText(0));
      policy_deleted = (*p)->ColumnInt(1) != 0;
    }
    (*p)->Reset();
    if (!row.ok()) return row.status();
    // A claim rejected by the policy check may name a policy that does not exist: it is joined
    // at once with what is known. Any other claim passed the check, so its policy's event
    // exists and is waited for.
    if (policy.is_null() && Text(claim, "saga_event") != "POLICY_CHECK_FAILED") {
      (*wait)->Bind(1, std::string_view(claim_id)).Bind(2, std::string_view(policy_id));
      return (*wait)->Run();
    }
  }
  nlohmann::json payment = nullptr;
  const std::vector<std::string> deciding = DecidingResults(Text(claim, "saga_event"));
  if (!deciding.empty()) {
    StatusOr<SqliteStatement*> r =
        db_->Prepare("SELECT event FROM results WHERE claim_id = ?1 AND event_type = ?2");
    if (!r.ok()) return r.status();
    for (const std::string& type : deciding) {
      (*r)->Bind(1, std::string_view(claim_id)).Bind(2, std::string_view(type));
      row = (*r)->Step();
      if (row.ok() && *row) payment = nlohmann::json::parse((*r)->ColumnText(0));
      (*r)->Reset();
      if (!row.ok()) return row.status();
      if (!payment.is_null()) break;
    }
    if (payment.is_null()) {  // the payment result comes later
      (*wait)->Bind(1, std::string_view(claim_id)).BindNull(2);
      return (*wait)->Run();
    }
  }
  nlohmann::json joined = {
      {"event_id", event_id},
      {"event_type", "CLAIM_PAYMENT_JOINED"},
      {"event_timestamp", claim["event_timestamp"]},
      {"schema_version", 1},
      {"source", {{"service", source_.service}, {"instance", source_.instance}}},
      {"claim_id", claim_id},
      {"state", state},
      {"saga_event", claim["saga_event"]},
      {"cause", claim["cause"]},
      {"net_fee", claim["net_fee"]},
      {"provider", claim.value("provider", nlohmann::json())},
      {"claim_version", claim["version"]},
      {"policy_id", claim["policy_id"]},
      {"policy", policy},
      {"policy_deleted", policy_deleted},
      {"payment", payment.is_null()
                      ? nlohmann::json()
                      : nlohmann::json{{"payment_id", payment["payment_id"]},
                                       {"result", payment["event_type"]},
                                       {"amount_cents", payment["amount_cents"]},
                                       {"reason", payment.value("reason", nlohmann::json())},
                                       {"command_id", payment["command_id"]},
                                       {"at", payment["event_timestamp"]}}}};
  StatusOr<SqliteStatement*> out =
      db_->Prepare("INSERT INTO outputs (event_id, claim_id, payload) VALUES (?1, ?2, ?3)");
  if (!out.ok()) return out.status();
  (*out)->Bind(1, std::string_view(event_id)).Bind(2, std::string_view(claim_id));
  (*out)->Bind(3, std::string_view(joined.dump()));
  CLAIMS_RETURN_IF_ERROR((*out)->Run());
  ++counts->outputs;
  StatusOr<SqliteStatement*> unwait = db_->Prepare("DELETE FROM waiting WHERE claim_id = ?1");
  if (!unwait.ok()) return unwait.status();
  (*unwait)->Bind(1, std::string_view(claim_id));
  return (*unwait)->Run();
}

StatusOr<std::vector<JoinedOutput>> JoinStore::Unpublished() {
  StatusOr<SqliteStatement*> s = db_->Prepare(
      "SELECT seq, event_id, claim_id, payload FROM outputs WHERE published = 0 ORDER BY seq");
  if (!s.ok()) return s.status();
  return CollectRows<JoinedOutput>(*s, [](SqliteStatement& r) -> StatusOr<JoinedOutput> {
    return JoinedOutput{r.ColumnInt(0), r.ColumnText(1), r.ColumnText(2), r.ColumnText(3)};
  });
}

Status JoinStore::MarkPublished(std::span<const std::string> event_ids) {
  return db_->InTransaction([&]() -> Status {
    StatusOr<SqliteStatement*> s =
        db_->Prepare("UPDATE outputs SET published = 1 WHERE event_id = ?1");
    if (!s.ok()) return s.status();
    for (const std::string& id : event_ids) {
      (*s)->Bind(1, std::string_view(id));
      const Status marked = (*s)->Run();
      (*s)->Reset();
      CLAIMS_RETURN_IF_ERROR(marked);
    }
    return Status::Ok();
  });
}

Status JoinStore::SaveRelayStart(const std::map<int, int64_t>& ends) {
  return db_->InTransaction([&]() -> Status {
    CLAIMS_RETURN_IF_ERROR(db_->Exec("DELETE FROM relay_start"));
    StatusOr<SqliteStatement*> s =
        db_->Prepare("INSERT INTO relay_start (partition, end_offset) VALUES (?1, ?2)");
    if (!s.ok()) return s.status();
    for (const auto& [partition, end] : ends) {
      (*s)->Bind(1, partition).Bind(2, end);
      const Status saved = (*s)->Run();
      (*s)->Reset();
      CLAIMS_RETURN_IF_ERROR(saved);
    }
    return Status::Ok();
  });
}

StatusOr<std::map<int, int64_t>> JoinStore::RelayStart() {
  StatusOr<SqliteStatement*> s = db_->Prepare("SELECT partition, end_offset FROM relay_start");
  if (!s.ok()) return s.status();
  StatusOr<std::vector<std::pair<int, int64_t>>> rows = CollectRows<std::pair<int, int64_t>>(
      *s, [](SqliteStatement& r) -> StatusOr<std::pair<int, int64_t>> {
        return std::make_pair(static_cast<int>(r.ColumnInt(0)), r.ColumnInt(1));
      });
  if (!rows.ok()) return rows.status();
  return std::map<int, int64_t>(rows->begin(), rows->end());
}

StatusOr<int64_t> JoinStore::WaitingCount() {
  StatusOr<SqliteStatement*> s = db_->Prepare("SELECT count(*) FROM waiting");
  if (!s.ok()) return s.status();
  StatusOr<bool> row = (*s)->Step();
  const int64_t n = row.ok() && *row ? (*s)->ColumnInt(0) : 0;
  (*s)->Reset();
  if (!row.ok()) return row.status();
  return n;
}

}  // namespace claims
