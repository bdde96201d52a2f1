// PolicyStore: policies persisted in SQLite (table `policies`, schema in src/schema.cc).
// Thread-safe: one connection guarded by an internal mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

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

class PolicyStore {
 public:
  // `db` must be migrated (ClaimServiceMigrations()).
  explicit PolicyStore(std::shared_ptr<LockedDatabase> db) : db_(std::move(db)) {}

  // Errors: kConflict if the id or the (subscriber_number, plan_group_number) pair is taken.
  Status Insert(const Policy& policy);
  // Errors: kNotFound.
  StatusOr<Policy> Get(const std::string& policy_id);
  // Reads the stored policy, passes it to `change` and stores what `change` returns, all under
  // one lock and one transaction, so concurrent updates of one policy serialize instead of
  // failing. `change` returns an error to abort (that error is returned).
  // Errors: kNotFound; kConflict if the member pair is taken; whatever `change` returns.
  StatusOr<Policy> Update(const std::string& policy_id,
                          const std::function<StatusOr<Policy>(const Policy& current)>& change);
  // Deletes and returns the policy as it was. Errors: kNotFound.
  StatusOr<Policy> Delete(const std::string& policy_id);
  StatusOr<PolicyPage> List(const PolicyFilter& filter, const PageRequest& page);
  // OK when the database answers a trivial query.
  Status Ping();

 private:
  std::shared_ptr<LockedDatabase> db_;
};

}  // namespace claims
