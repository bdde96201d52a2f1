#include "payment_service/schema.h"

#include <array>

namespace claims {
namespace {

// status: PENDING (asked, no final answer yet), SETTLED, DECLINED, REFUNDED, VOIDED.
constexpr std::array<Migration, 2> kMigrations{{
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
    // Commands are remembered for 7 days (processed_command_ttl), far longer than any
    // redelivery takes; a later one asks the gateway again, whose ledger answers it the same.
    // Rows from before this migration are dated by it; a row replayed from an entry older than
    // the column has none and is kept.
    {2, R"sql(
ALTER TABLE processed_commands ADD COLUMN processed_at TEXT;
UPDATE processed_commands SET processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
CREATE INDEX processed_commands_at ON processed_commands (processed_at);
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
      {"processed_commands", "event_id", {"event_id", "version", "processed_at"}},
  };
  return *tables;
}

std::vector<wal::RetentionRule> PaymentServiceRetention(
    std::chrono::seconds processed_command_ttl) {
  return {{"processed_commands", "event_id", "processed_at", processed_command_ttl}};
}

}  // namespace claims
