#include "payment_service/schema.h"

#include <array>

namespace claims {
namespace {

// status: PENDING (asked, no final answer yet), SETTLED, DECLINED, REFUNDED, VOIDED.
constexpr std::array<Migration, 1> kMigrations{{
    {1, R"sql(
CREATE TABLE payments (
  payment_id     TEXT PRIMARY KEY,
  claim_id       TEXT NOT NULL,
  amount_cents   INTEGER NOT NULL,
  provider_npi   TEXT NOT NULL,
  status         TEXT NOT NULL,
  reason         TEXT,
  last_command   TEXT NOT NULL,
  attempts       INTEGER NOT NULL,
  instance       TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL,
  version        INTEGER NOT NULL
);
CREATE INDEX payments_claim ON payments (claim_id);
CREATE TABLE processed_commands (
  event_id TEXT PRIMARY KEY,
  version  INTEGER NOT NULL
);
)sql"},
}};

}  // namespace

std::span<const Migration> PaymentServiceMigrations() { return kMigrations; }

const std::vector<wal::StateTable>& PaymentServiceTables() {
  static const auto* tables = new std::vector<wal::StateTable>{
      {"payments",
       "payment_id",
       {"payment_id", "claim_id", "amount_cents", "provider_npi", "status", "reason",
        "last_command", "attempts", "instance", "created_at", "updated_at", "version"}},
      {"processed_commands", "event_id", {"event_id", "version"}},
  };
  return *tables;
}

}  // namespace claims
