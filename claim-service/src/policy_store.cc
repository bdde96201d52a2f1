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
  f.customer_id = s.ColumnText(8);
  f.coverage_amount = Money::FromCents(s.ColumnInt(9));
  f.subscriber_number = s.ColumnOptionalText(10);
  f.plan_group_number = s.ColumnOptionalText(11);
  p.version = s.ColumnInt(12);
  p.created_at = s.ColumnText(13);
  p.updated_at = s.ColumnText(14);
  return p;
}

// Binds the client fields and bookkeeping of `p` to ?1..?13 in the order of kColumns (less
// position).
void BindPolicy(SqliteStatement* s, const Policy& p) {
  const PolicyFields& f = p.fields;
  s->Bind(1, std::string_view(p.policy_id))
      .Bind(2, std::string_view(f.policyholder_name))
      .Bind(3, PolicyTypeName(f.policy_type))
      .Bind(4, std::string_view(f.start_date.ToIso()))
      .Bind(5, std::string_view(f.end_date.ToIso()))
      .Bind(6, f.premium_amount.cents())
      .Bind(7, PolicyStatusName(f.status))
      .Bind(8, std::string_view(f.customer_id))
      .Bind(9, f.coverage_amount.cents())
      .Bind(10, f.subscriber_number)
      .Bind(11, f.plan_group_number)
      .Bind(12, p.version)
      .Bind(13, std::string_view(p.created_at))
      .Bind(14, std::string_view(p.updated_at));
}

Status MemberConflict(const Policy& p, const Status& cause) {
  if (cause.message().find("policies.policy_id") != std::string::npos) {
    return Conflict("a policy with id " + p.policy_id + " already exists");
  }
  return Conflict("another policy already has subscriber_number " +
                  p.fields.subscriber_number.value_or("") + " with plan_group_number " +
                  p.fields.plan_group_number.value_or(""));
}

StatusOr<Policy> GetLocked(SqliteDatabase& db, const std::string& policy_id) {
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
  (*s)->Reset();
  return policy;
}

}  // namespace

Status PolicyStore::Insert(const Policy& policy) {
  std::lock_guard lock(db_->mu);
  SqliteDatabase& db = *db_->db;
  StatusOr<SqliteStatement*> s = db.Prepare(
      "INSERT INTO policies (policy_id, policyholder_name, policy_type, start_date, end_date, "
      "premium_cents, status, customer_id, coverage_cents, subscriber_number, plan_group_number, "
      "version, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13, ?14)");
  if (!s.ok()) return s.status();
  BindPolicy(*s, policy);
  const Status run = (*s)->Run();
  (*s)->Reset();
  if (run.code() == StatusCode::kConflict) return MemberConflict(policy, run);
  return run;
}

StatusOr<Policy> PolicyStore::Get(const std::string& policy_id) {
  std::lock_guard lock(db_->mu);
  return GetLocked(*db_->db, policy_id);
}

StatusOr<Policy> PolicyStore::Update(
    const std::string& policy_id,
    const std::function<StatusOr<Policy>(const Policy& current)>& change) {
  std::lock_guard lock(db_->mu);
  SqliteDatabase& db = *db_->db;
  StatusOr<Policy> updated = NotFound("no policy with id " + policy_id);
  const Status done = db.InTransaction([&]() -> Status {
    StatusOr<Policy> current = GetLocked(db, policy_id);
    if (!current.ok()) return current.status();
    updated = change(*current);
    if (!updated.ok()) return updated.status();
    StatusOr<SqliteStatement*> s = db.Prepare(
        "UPDATE policies SET policyholder_name = ?2, policy_type = ?3, start_date = ?4, "
        "end_date = ?5, premium_cents = ?6, status = ?7, customer_id = ?8, coverage_cents = ?9, "
        "subscriber_number = ?10, plan_group_number = ?11, version = ?12, updated_at = ?14 "
        "WHERE policy_id = ?1");
    if (!s.ok()) return s.status();
    BindPolicy(*s, *updated);
    const Status run = (*s)->Run();
    (*s)->Reset();
    if (run.code() == StatusCode::kConflict) return MemberConflict(*updated, run);
    return run;
  });
  if (!done.ok()) return done;
  return updated;
}

StatusOr<Policy> PolicyStore::Delete(const std::string& policy_id) {
  std::lock_guard lock(db_->mu);
  SqliteDatabase& db = *db_->db;
  StatusOr<Policy> deleted = NotFound("no policy with id " + policy_id);
  const Status done = db.InTransaction([&]() -> Status {
    deleted = GetLocked(db, policy_id);
    if (!deleted.ok()) return deleted.status();
    StatusOr<SqliteStatement*> s = db.Prepare("DELETE FROM policies WHERE policy_id = ?1");
    if (!s.ok()) return s.status();
    (*s)->Bind(1, std::string_view(policy_id));
    const Status run = (*s)->Run();
    (*s)->Reset();
    return run;
  });
  if (!done.ok()) return done;
  return deleted;
}

StatusOr<PolicyPage> PolicyStore::List(const PolicyFilter& filter, const PageRequest& page) {
  std::lock_guard lock(db_->mu);
  SqliteDatabase& db = *db_->db;
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

Status PolicyStore::Ping() {
  std::lock_guard lock(db_->mu);
  SqliteDatabase& db = *db_->db;
  return db.Exec("SELECT 1 FROM policies LIMIT 1");
}

}  // namespace claims
