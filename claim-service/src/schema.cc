#include "claim_service/schema.h"

#include <array>

namespace claims {
namespace {

// Money is stored in integer cents. Dates are ISO text (YYYY-MM-DD), times RFC 3339 UTC.
// `position` orders policies by creation for stable paging.
constexpr std::array<Migration, 1> kMigrations{{
    {1, R"sql(
CREATE TABLE policies (
  position          INTEGER PRIMARY KEY AUTOINCREMENT,
  policy_id         TEXT NOT NULL UNIQUE,
  policyholder_name TEXT NOT NULL,
  policy_type       TEXT NOT NULL,
  start_date        TEXT NOT NULL,
  end_date          TEXT NOT NULL,
  premium_cents     INTEGER NOT NULL CHECK (premium_cents >= 0),
  status            TEXT NOT NULL,
  customer_id       TEXT NOT NULL,
  coverage_cents    INTEGER NOT NULL CHECK (coverage_cents >= 0),
  subscriber_number TEXT,
  plan_group_number TEXT,
  version           INTEGER NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX policies_member ON policies (subscriber_number, plan_group_number)
  WHERE subscriber_number IS NOT NULL;
CREATE INDEX policies_status_type ON policies (status, policy_type, position);
CREATE INDEX policies_type ON policies (policy_type, position);
)sql"},
}};

}  // namespace

std::span<const Migration> ClaimServiceMigrations() { return kMigrations; }

}  // namespace claims
