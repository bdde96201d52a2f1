// PolicyStore: policies persisted in SQLite (table `policies`, schema in src/schema.cc).
// Thread-safe: one connection guarded by an internal mutex.
#pragma once

#include <cstdint>
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
  // Replaces the stored policy whose version is policy.version - 1.
  // Errors: kNotFound; kConflict if the version moved on or the member pair is taken.
  Status Replace(const Policy& policy);
  // Errors: kNotFound.
  Status Delete(const std::string& policy_id);
  StatusOr<PolicyPage> List(const PolicyFilter& filter, const PageRequest& page);
  // OK when the database answers a trivial query.
  Status Ping();

 private:
  std::shared_ptr<LockedDatabase> db_;
};

}  // namespace claims
