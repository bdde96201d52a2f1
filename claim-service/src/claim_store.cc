#include "claim_service/claim_store.h"

namespace claims {
namespace {

constexpr const char* kClaimColumns =
    "position, claim_id, policy_id, service_date, submitted_procedure, quadrant, "
    "plan_group_number, subscriber_number, provider_npi, provider_fees_cents, "
    "allowed_fees_cents, member_coinsurance_cents, member_copay_cents, net_fee_cents, status, "
    "failed_in, reason, payment_id, attempts, deadline_us, next_check_us, version, created_at, "
    "updated_at, provider";

nlohmann::json Optional(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}
nlohmann::json Optional(const std::optional<int64_t>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

std::optional<int64_t> OptionalInt(const SqliteStatement& s, int column) {
  const std::optional<std::string> text = s.ColumnOptionalText(column);
  if (!text) return std::nullopt;
  return s.ColumnInt(column);
}

StatusOr<Claim> ReadClaim(const SqliteStatement& s) {
  Claim c;
  c.position = s.ColumnInt(0);
  c.claim_id = s.ColumnText(1);
  c.policy_id = s.ColumnOptionalText(2);
  ClaimSubmission& sub = c.submission;
  StatusOr<Date> date = Date::ParseIso(s.ColumnText(3));
  const auto status = ParseClaimState(s.ColumnText(14));
  const std::optional<std::string> failed_in = s.ColumnOptionalText(15);
  if (!date.ok() || !status) return Internal("stored claim " + c.claim_id + " is unreadable");
  sub.service_date = *date;
  sub.submitted_procedure = s.ColumnText(4);
  sub.quadrant = s.ColumnOptionalText(5);
  sub.plan_group_number = s.ColumnOptionalText(6);
  sub.subscriber_number = s.ColumnOptionalText(7);
  sub.provider_npi = s.ColumnText(8);
  sub.provider_fees = Money::FromCents(s.ColumnInt(9));
  sub.allowed_fees = Money::FromCents(s.ColumnInt(10));
  sub.member_coinsurance = Money::FromCents(s.ColumnInt(11));
  sub.member_copay = Money::FromCents(s.ColumnInt(12));
  sub.policy_id = c.policy_id;
  c.net_fee = Money::FromCents(s.ColumnInt(13));
  c.status = *status;
  if (failed_in) c.failed_in = ParseClaimState(*failed_in);
  c.reason = s.ColumnOptionalText(16).value_or("");
  c.payment_id = s.ColumnOptionalText(17).value_or("");
  c.attempts = static_cast<int>(s.ColumnInt(18));
  c.deadline_us = OptionalInt(s, 19);
  c.next_check_us = OptionalInt(s, 20);
  c.version = s.ColumnInt(21);
  c.created_at = s.ColumnText(22);
  c.updated_at = s.ColumnText(23);
  c.provider = s.ColumnOptionalText(24);
  return c;
}

StatusOr<int64_t> SingleInt(SqliteStatement* s) {
  StatusOr<std::vector<int64_t>> rows = CollectRows<int64_t>(
      s, [](const SqliteStatement& r) -> StatusOr<int64_t> { return r.ColumnInt(0); });
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : rows->front();
}

// Whether `sql` (a COUNT or EXISTS with one parameter) finds anything for `key`.
StatusOr<bool> AnyRowFor(SqliteDatabase& db, const std::string& sql, const std::string& key) {
  StatusOr<SqliteStatement*> s = db.Prepare(sql);
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(key));
  StatusOr<int64_t> n = SingleInt(*s);
  if (!n.ok()) return n.status();
  return *n > 0;
}

}  // namespace

nlohmann::json ClaimRow(const Claim& c) {
  const ClaimSubmission& s = c.submission;
  return {
      {"position", c.position},
      {"claim_id", c.claim_id},
      {"policy_id", Optional(c.policy_id)},
      {"service_date", s.service_date.ToIso()},
      {"submitted_procedure", s.submitted_procedure},
      {"quadrant", Optional(s.quadrant)},
      {"plan_group_number", Optional(s.plan_group_number)},
      {"subscriber_number", Optional(s.subscriber_number)},
      {"provider_npi", s.provider_npi},
      {"provider_fees_cents", s.provider_fees.cents()},
      {"allowed_fees_cents", s.allowed_fees.cents()},
      {"member_coinsurance_cents", s.member_coinsurance.cents()},
      {"member_copay_cents", s.member_copay.cents()},
      {"net_fee_cents", c.net_fee.cents()},
      {"status", ClaimStateName(c.status)},
      {"failed_in", c.failed_in ? nlohmann::json(ClaimStateName(*c.failed_in)) : nlohmann::json()},
      {"reason", c.reason.empty() ? nlohmann::json() : nlohmann::json(c.reason)},
      {"payment_id", c.payment_id.empty() ? nlohmann::json() : nlohmann::json(c.payment_id)},
      {"attempts", c.attempts},
      {"deadline_us", Optional(c.deadline_us)},
      {"next_check_us", Optional(c.next_check_us)},
      {"version", c.version},
      {"created_at", c.created_at},
      {"updated_at", c.updated_at},
      {"provider", Optional(c.provider)}};
}

nlohmann::json EncodeClaim(const Claim& c) {
  const ClaimSubmission& s = c.submission;
  nlohmann::json j = {{"claim_id", c.claim_id},
                      {"policy_id", Optional(c.policy_id)},
                      {"status", ClaimStateName(c.status)},
                      {"service_date", s.service_date.ToIso()},
                      {"submitted_procedure", s.submitted_procedure},
                      {"quadrant", Optional(s.quadrant)},
                      {"plan_group_number", Optional(s.plan_group_number)},
                      {"subscriber_number", Optional(s.subscriber_number)},
                      {"provider_npi", s.provider_npi},
                      {"provider_fees", s.provider_fees.ToString()},
                      {"allowed_fees", s.allowed_fees.ToString()},
                      {"member_coinsurance", s.member_coinsurance.ToString()},
                      {"member_copay", s.member_copay.ToString()},
                      {"net_fee", c.net_fee.ToString()},
                      {"provider", Optional(c.provider)},
                      {"version", c.version},
                      {"created_at", c.created_at},
                      {"updated_at", c.updated_at}};
  if (!c.reason.empty()) j["reason"] = c.reason;
  if (c.failed_in) j["failed_in"] = ClaimStateName(*c.failed_in);
  if (!c.payment_id.empty()) j["payment_id"] = c.payment_id;
  return j;
}

nlohmann::json EncodeHistory(const std::vector<ClaimHistoryEntry>& history) {
  const auto json_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json() : nlohmann::json::parse(text, nullptr, false);
  };
  nlohmann::json out = nlohmann::json::array();
  for (const ClaimHistoryEntry& h : history) {
    out.push_back({{"seq", h.seq},
                   {"status", h.status},
                   {"event", h.event},
                   {"cause", h.cause},
                   {"at", h.at},
                   {"changes", json_or_null(h.changes)},
                   {"command", json_or_null(h.command)},
                   {"result", json_or_null(h.result)},
                   {"wal", h.lsn == 0 ? nlohmann::json()
                                      : nlohmann::json{{"wal_id", h.wal_id}, {"lsn", h.lsn}}}});
  }
  return out;
}

StatusOr<Claim> LoadClaim(SqliteDatabase& db, const std::string& claim_id) {
  StatusOr<SqliteStatement*> s =
      db.Prepare(std::string("SELECT ") + kClaimColumns + " FROM claims WHERE claim_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(claim_id));
  StatusOr<std::vector<Claim>> rows = CollectRows<Claim>(*s, ReadClaim);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return NotFound("no claim with id " + claim_id);
  return std::move(rows->front());
}

std::string ListClaimsSql(const ClaimFilter& filter) {
  // Only the filters given, so SQLite can pick the index they allow (claims_status,
  // claims_policy, claims_npi, claims_provider): a "?N IS NULL OR col = ?N" term hides the
  // column from the planner and every list read the whole table. The parameters keep their
  // numbers whichever are present.
  std::string where;
  const auto add = [&where](bool present, const char* term) {
    if (!present) return;
    where += where.empty() ? " WHERE " : " AND ";
    where += term;
  };
  add(filter.status.has_value(), "status = ?1");
  add(filter.policy_id.has_value(), "policy_id = ?2");
  add(filter.provider_npi.has_value(), "provider_npi = ?3");
  add(filter.provider.has_value(), "provider = ?6");
  add(filter.submitted_from.has_value(), "created_at >= ?7");
  add(filter.submitted_to.has_value(), "created_at < ?8");
  return std::string("SELECT ") + kClaimColumns + " FROM claims" + where +
         " ORDER BY position LIMIT ?4 OFFSET ?5";
}

StatusOr<std::vector<Claim>> ListClaims(SqliteDatabase& db, const ClaimFilter& filter,
                                        int64_t offset, int64_t limit) {
  StatusOr<SqliteStatement*> s = db.Prepare(ListClaimsSql(filter));
  if (!s.ok()) return s.status();
  if (filter.status) (*s)->Bind(1, ClaimStateName(*filter.status));
  if (filter.policy_id) (*s)->Bind(2, filter.policy_id);
  if (filter.provider_npi) (*s)->Bind(3, filter.provider_npi);
  (*s)->Bind(4, limit).Bind(5, offset);
  if (filter.provider) (*s)->Bind(6, filter.provider);
  if (filter.submitted_from) (*s)->Bind(7, filter.submitted_from);
  if (filter.submitted_to) (*s)->Bind(8, filter.submitted_to);
  return CollectRows<Claim>(*s, ReadClaim);
}

StatusOr<std::map<std::string, int64_t>> CountClaimsByState(SqliteDatabase& db) {
  // claims_status (status, position) covers it: the index is read, not the table.
  StatusOr<SqliteStatement*> s = db.Prepare("SELECT status, COUNT(*) FROM claims GROUP BY status");
  if (!s.ok()) return s.status();
  std::map<std::string, int64_t> counts;
  while (true) {
    StatusOr<bool> row = (*s)->Step();
    if (!row.ok()) {
      (*s)->Reset();
      return row.status();
    }
    if (!*row) break;
    counts[(*s)->ColumnText(0)] = (*s)->ColumnInt(1);
  }
  (*s)->Reset();
  return counts;
}

StatusOr<std::vector<ClaimHistoryEntry>> LoadClaimHistory(SqliteDatabase& db,
                                                          const std::string& claim_id) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT seq, status, event, cause, at, changes, command, result, wal_id, lsn FROM "
      "claim_history WHERE history_id > ?1 || '/' AND history_id < ?1 || '0' ORDER BY seq");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(claim_id));
  StatusOr<std::vector<ClaimHistoryEntry>> history = CollectRows<ClaimHistoryEntry>(
      *s, [](const SqliteStatement& r) -> StatusOr<ClaimHistoryEntry> {
        return ClaimHistoryEntry{r.ColumnInt(0),  r.ColumnText(1), r.ColumnText(2), r.ColumnText(3),
                                 r.ColumnText(4), r.ColumnText(5), r.ColumnText(6), r.ColumnText(7),
                                 r.ColumnText(8), r.ColumnInt(9)};
      });
  if (history.ok() && history->empty()) return NotFound("no claim with id " + claim_id);
  return history;
}

StatusOr<std::vector<ProviderTotal>> TopProviderNpis(SqliteDatabase& db, int limit,
                                                     const std::optional<std::string>& provider) {
  // SUM over int64 stops with "integer overflow" once a total passes 2^63 cents (about 3,100
  // claims at the largest fees accepted), and TOTAL() is a double, inexact there. So each fee
  // is summed as two parts split at bit 32 (fees are never negative): the high parts are below
  // 2^20 each, the low parts below 2^32, so neither sum can overflow below 2^31 claims; the low
  // sum's carry moves into the high part, and the pair orders as the total does.
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT provider_npi, high + (low >> 32) AS total_high, low & 4294967295 AS total_low, n "
      "FROM (SELECT provider_npi, SUM(net_fee_cents >> 32) AS high, "
      "SUM(net_fee_cents & 4294967295) AS low, COUNT(*) AS n FROM claims "
      "WHERE status <> 'REJECTED' AND (?2 IS NULL OR provider = ?2) GROUP BY provider_npi) "
      "ORDER BY total_high DESC, total_low DESC, provider_npi LIMIT ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, static_cast<int64_t>(limit)).Bind(2, provider);
  return CollectRows<ProviderTotal>(*s, [](const SqliteStatement& r) -> StatusOr<ProviderTotal> {
    return ProviderTotal{r.ColumnText(0), MoneyTotal::FromParts(r.ColumnInt(1), r.ColumnInt(2)),
                         r.ColumnInt(3)};
  });
}

StatusOr<std::vector<std::string>> DueClaimIds(SqliteDatabase& db, int64_t now_us, int limit) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT claim_id FROM claims WHERE next_check_us IS NOT NULL AND next_check_us <= ?1 "
      "ORDER BY next_check_us LIMIT ?2");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, now_us).Bind(2, static_cast<int64_t>(limit));
  return CollectRows<std::string>(
      *s, [](const SqliteStatement& r) -> StatusOr<std::string> { return r.ColumnText(0); });
}

StatusOr<Coverage> LoadCoverage(SqliteDatabase& db, const std::string& policy_id) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT reserved_cents, paid_cents, version FROM policy_coverage WHERE policy_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(policy_id));
  StatusOr<std::vector<Coverage>> rows =
      CollectRows<Coverage>(*s, [](const SqliteStatement& r) -> StatusOr<Coverage> {
        return Coverage{r.ColumnInt(0), r.ColumnInt(1), r.ColumnInt(2)};
      });
  if (!rows.ok()) return rows.status();
  return rows->empty() ? Coverage{} : rows->front();
}

StatusOr<int64_t> CountOpenClaims(SqliteDatabase& db, const std::string& policy_id) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT COUNT(*) FROM claims WHERE policy_id = ?1 AND status NOT IN ('REJECTED', "
      "'PAYMENT_FAILED', 'REVERSED', 'VOIDED', 'PAID')");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(policy_id));
  return SingleInt(*s);
}

StatusOr<bool> PolicyHasClaims(SqliteDatabase& db, const std::string& policy_id) {
  return AnyRowFor(db, "SELECT EXISTS (SELECT 1 FROM claims WHERE policy_id = ?1)", policy_id);
}

StatusOr<int64_t> NextClaimPosition(SqliteDatabase& db) {
  StatusOr<SqliteStatement*> s =
      db.Prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'claims'), 0) + 1");
  if (!s.ok()) return s.status();
  return SingleInt(*s);
}

StatusOr<bool> EventProcessed(SqliteDatabase& db, const std::string& event_id) {
  return AnyRowFor(db, "SELECT COUNT(*) FROM processed_events WHERE event_id = ?1", event_id);
}

}  // namespace claims
