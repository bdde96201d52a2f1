#include "claim_service/policy_store.h"

#include <string>

namespace claims {
namespace {

constexpr const char* kColumns =
    "position, policy_id, policyholder_name, policy_type, start_date, end_date, premium_cents, "
    "status, customer_id, coverage_cents, subscriber_number, plan_group_number, version, "
    "created_at, updated_at";

// Reads a row selected with kColumns. Stored values were validated on the way in; a value that no
// longer parses means the file was changed behind our back.
StatusOr<Policy> ReadPolicy(const SqliteStatement& s) {
  Policy p;
  p.policy_id = s.ColumnText(1);
  PolicyFields& f = p.fields;
  f.policyholder_name = s.ColumnText(2);
  const auto type = ParsePolicyType(s.ColumnText(3));
  StatusOr<Date> start = Date::ParseIso(s.ColumnText(4));
  StatusOr<Date> end = Date::ParseIso(s.ColumnText(5));
  const auto status = ParsePolicyStatus(s.ColumnText(7));
  if (!type || !start.ok() || !end.ok() || !status) {
    return Internal("stored policy " + p.policy_id + " has an unreadable value");
  }
  f.policy_type = *type;
  f.start_date = *start;
  f.end_date = *end;
  f.premium_amount = Money::FromCents(s.ColumnInt(6));
  f.status = *status;
  f.customer_id = s.ColumnOptionalText(8);
  if (const auto coverage = s.ColumnOptionalInt(9)) f.coverage_amount = Money::FromCents(*coverage);
  f.subscriber_number = s.ColumnOptionalText(10);
  f.plan_group_number = s.ColumnOptionalText(11);
  p.version = s.ColumnInt(12);
  p.created_at = s.ColumnText(13);
  p.updated_at = s.ColumnText(14);
  return p;
}

}  // namespace

nlohmann::json PolicyRow(const Policy& p, int64_t position) {
  const PolicyFields& f = p.fields;
  auto optional = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json();
  };
  return {{"position", position},
          {"policy_id", p.policy_id},
          {"policyholder_name", f.policyholder_name},
          {"policy_type", PolicyTypeName(f.policy_type)},
          {"start_date", f.start_date.ToIso()},
          {"end_date", f.end_date.ToIso()},
          {"premium_cents", f.premium_amount.cents()},
          {"status", PolicyStatusName(f.status)},
          {"customer_id", optional(f.customer_id)},
          {"coverage_cents",
           f.coverage_amount ? nlohmann::json(f.coverage_amount->cents()) : nlohmann::json()},
          {"subscriber_number", optional(f.subscriber_number)},
          {"plan_group_number", optional(f.plan_group_number)},
          {"version", p.version},
          {"created_at", p.created_at},
          {"updated_at", p.updated_at}};
}

Status PolicyConflict(const Policy& p, const Status& cause) {
  if (cause.code() != StatusCode::kConflict) return cause;
  if (cause.message().find("policies.policy_id") != std::string::npos) {
    return Conflict("a policy with id " + p.policy_id + " already exists");
  }
  return Conflict("another policy already has subscriber_number " +
                  p.fields.subscriber_number.value_or("") + " with plan_group_number " +
                  p.fields.plan_group_number.value_or(""));
}

StatusOr<Policy> LoadPolicyByMember(SqliteDatabase& db, const std::string& subscriber_number,
                                    const std::string& plan_group_number) {
  StatusOr<SqliteStatement*> s =
      db.Prepare(std::string("SELECT ") + kColumns +
                 " FROM policies WHERE subscriber_number = ?1 AND plan_group_number = ?2");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(subscriber_number)).Bind(2, std::string_view(plan_group_number));
  StatusOr<bool> row = (*s)->Step();
  if (!row.ok() || !*row) {
    (*s)->Reset();
    if (!row.ok()) return row.status();
    return NotFound("no policy has subscriber_number " + subscriber_number +
                    " with plan_group_number " + plan_group_number);
  }
  StatusOr<Policy> policy = ReadPolicy(**s);
  (*s)->Reset();
  return policy;
}

StatusOr<int64_t> NextPolicyPosition(SqliteDatabase& db) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'policies'), 0) + 1");
  if (!s.ok()) return s.status();
  StatusOr<bool> row = (*s)->Step();
  const int64_t next = row.ok() && *row ? (*s)->ColumnInt(0) : 0;
  (*s)->Reset();
  if (!row.ok()) return row.status();
  return next;
}

StatusOr<Policy> LoadPolicy(SqliteDatabase& db, const std::string& policy_id, int64_t* position) {
  StatusOr<SqliteStatement*> s =
      db.Prepare(std::string("SELECT ") + kColumns + " FROM policies WHERE policy_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(policy_id));
  StatusOr<bool> row = (*s)->Step();
  if (!row.ok()) {
    (*s)->Reset();
    return row.status();
  }
  if (!*row) {
    (*s)->Reset();
    return NotFound("no policy with id " + policy_id);
  }
  StatusOr<Policy> policy = ReadPolicy(**s);
  if (position != nullptr) *position = (*s)->ColumnInt(0);
  (*s)->Reset();
  return policy;
}

StatusOr<Policy> PolicyStore::Get(const std::string& policy_id) {
  const ReadConnections::Lease db = db_->Acquire();
  return LoadPolicy(*db, policy_id);
}

StatusOr<PolicyPage> PolicyStore::List(const PolicyFilter& filter, const PageRequest& page) {
  const ReadConnections::Lease lease = db_->Acquire();
  SqliteDatabase& db = *lease;
  // One statement for every filter combination: a NULL parameter matches everything.
  StatusOr<SqliteStatement*> s =
      db.Prepare(std::string("SELECT ") + kColumns +
                 " FROM policies WHERE position > ?1 AND (?2 IS NULL OR status = ?2) AND "
                 "(?3 IS NULL OR policy_type = ?3) ORDER BY position LIMIT ?4 OFFSET ?5");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, page.after_position);
  if (filter.status) {
    (*s)->Bind(2, PolicyStatusName(*filter.status));
  } else {
    (*s)->BindNull(2);
  }
  if (filter.policy_type) {
    (*s)->Bind(3, PolicyTypeName(*filter.policy_type));
  } else {
    (*s)->BindNull(3);
  }
  (*s)->Bind(4, page.limit).Bind(5, page.offset);
  PolicyPage out;
  for (;;) {
    StatusOr<bool> row = (*s)->Step();
    if (!row.ok()) {
      (*s)->Reset();
      return row.status();
    }
    if (!*row) break;
    StatusOr<Policy> p = ReadPolicy(**s);
    if (!p.ok()) {
      (*s)->Reset();
      return p.status();
    }
    out.last_position = (*s)->ColumnInt(0);
    out.policies.push_back(std::move(*p));
  }
  (*s)->Reset();
  return out;
}

Status PolicyStore::Ping() { return db_->Acquire()->Exec("SELECT 1 FROM policies LIMIT 1"); }

}  // namespace claims
