// PolicyStore: policies persisted in SQLite (table `policies`, schema in src/schema.cc).
// Thread-safe: one connection guarded by an internal mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/policy.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"

namespace claims {

struct PolicyFilter {
  std::optional<PolicyStatus> status;
  std::optional<PolicyType> policy_type;
};

// A page request: after `after_position` (a cursor) or skipping `offset` rows, in creation order.
struct PageRequest {
  int64_t after_position = 0;
  int64_t offset = 0;
  int64_t limit = 50;
};

struct PolicyPage {
  std::vector<Policy> policies;
  int64_t last_position = 0;  // the position of the last policy returned, for the next cursor
};

// Reads of committed policies, on the service's read connection. Thread-safe.
// Writes go through PolicyService's journal commands, which use the functions below on the
// journal's write connection.
class PolicyStore {
 public:
  // `db` must be migrated (ClaimServiceMigrations()).
  explicit PolicyStore(std::shared_ptr<ReadConnections> db) : db_(std::move(db)) {}

  // Errors: kNotFound.
  StatusOr<Policy> Get(const std::string& policy_id);
  StatusOr<PolicyPage> List(const PolicyFilter& filter, const PageRequest& page);
  // OK when the database answers a trivial query.
  Status Ping();

 private:
  std::shared_ptr<ReadConnections> db_;
};

// The stored policy and its position (creation order). Errors: kNotFound.
StatusOr<Policy> LoadPolicy(SqliteDatabase& db, const std::string& policy_id,
                            int64_t* position = nullptr);
// The policy whose member pair is (subscriber_number, plan_group_number). Errors: kNotFound.
StatusOr<Policy> LoadPolicyByMember(SqliteDatabase& db, const std::string& subscriber_number,
                                    const std::string& plan_group_number);
// The position the next new policy takes (never reused, like AUTOINCREMENT).
StatusOr<int64_t> NextPolicyPosition(SqliteDatabase& db);
// The row of table `policies` for `policy` at `position`, as the journal writes it.
nlohmann::json PolicyRow(const Policy& policy, int64_t position);
// Turns a unique-constraint failure of writing `policy` into a Conflict the client can act on.
Status PolicyConflict(const Policy& policy, const Status& cause);

}  // namespace claims
