#include "claim_service/schema.h"

#include <array>

namespace claims {
namespace {

// Money is stored in integer cents. Dates are ISO text (YYYY-MM-DD), times RFC 3339 UTC.
// `position` orders policies by creation for stable paging.
constexpr std::array<Migration, 8> kMigrations{{
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
    // The saga. Rows of every table here are written only through the journal (WAL first), so
    // each has a `version` for the version-checked upsert. Times in *_us are microseconds since
    // the Unix epoch; money in cents.
    {2, R"sql(
CREATE TABLE policy_coverage (
  policy_id      TEXT PRIMARY KEY,
  reserved_cents INTEGER NOT NULL CHECK (reserved_cents >= 0),
  paid_cents     INTEGER NOT NULL CHECK (paid_cents >= 0),
  version        INTEGER NOT NULL
);
CREATE TABLE claims (
  position                 INTEGER PRIMARY KEY AUTOINCREMENT,
  claim_id                 TEXT NOT NULL UNIQUE,
  policy_id                TEXT,
  service_date             TEXT NOT NULL,
  submitted_procedure      TEXT NOT NULL,
  quadrant                 TEXT,
  plan_group_number        TEXT,
  subscriber_number        TEXT,
  provider_npi             TEXT NOT NULL,
  provider_fees_cents      INTEGER NOT NULL,
  allowed_fees_cents       INTEGER NOT NULL,
  member_coinsurance_cents INTEGER NOT NULL,
  member_copay_cents       INTEGER NOT NULL,
  net_fee_cents            INTEGER NOT NULL,
  status                   TEXT NOT NULL,
  failed_in                TEXT,
  reason                   TEXT,
  payment_id               TEXT,
  attempts                 INTEGER NOT NULL,
  deadline_us              INTEGER,
  next_check_us            INTEGER,
  version                  INTEGER NOT NULL,
  created_at               TEXT NOT NULL,
  updated_at               TEXT NOT NULL
);
CREATE INDEX claims_status ON claims (status, position);
CREATE INDEX claims_policy ON claims (policy_id, position);
CREATE INDEX claims_npi ON claims (provider_npi, position);
CREATE INDEX claims_due ON claims (next_check_us) WHERE next_check_us IS NOT NULL;
-- history_id is "<claim_id>/<seq>": a claim's lines sit together in the primary key, so no
-- second index is needed (each random-key index costs a page write per claim and commit).
CREATE TABLE claim_history (
  history_id TEXT PRIMARY KEY,
  claim_id   TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  status     TEXT NOT NULL,
  event      TEXT NOT NULL,
  cause      TEXT NOT NULL,
  at         TEXT NOT NULL,
  version    INTEGER NOT NULL
);
CREATE TABLE idempotency_keys (
  idempotency_key TEXT PRIMARY KEY,
  fingerprint     TEXT NOT NULL,
  status          INTEGER NOT NULL,
  body            TEXT NOT NULL,
  location        TEXT,
  created_at      TEXT NOT NULL,
  version         INTEGER NOT NULL
);
CREATE TABLE processed_events (
  event_id TEXT PRIMARY KEY,
  version  INTEGER NOT NULL
);
)sql"},
    // customer_id and coverage_amount became optional (the original policy specification has
    // neither). SQLite cannot drop NOT NULL in place: the table is rebuilt, keeping every row,
    // its position, and the AUTOINCREMENT counter (so no position is ever reused).
    {3, R"sql(
CREATE TABLE policies_new (
  position          INTEGER PRIMARY KEY AUTOINCREMENT,
  policy_id         TEXT NOT NULL UNIQUE,
  policyholder_name TEXT NOT NULL,
  policy_type       TEXT NOT NULL,
  start_date        TEXT NOT NULL,
  end_date          TEXT NOT NULL,
  premium_cents     INTEGER NOT NULL CHECK (premium_cents >= 0),
  status            TEXT NOT NULL,
  customer_id       TEXT,
  coverage_cents    INTEGER CHECK (coverage_cents >= 0),
  subscriber_number TEXT,
  plan_group_number TEXT,
  version           INTEGER NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
INSERT INTO policies_new SELECT * FROM policies;
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'policies_new', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'policies_new');
UPDATE sqlite_sequence
  SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'policies'), 0))
  WHERE name = 'policies_new';
DROP TABLE policies;
ALTER TABLE policies_new RENAME TO policies;
CREATE UNIQUE INDEX policies_member ON policies (subscriber_number, plan_group_number)
  WHERE subscriber_number IS NOT NULL;
CREATE INDEX policies_status_type ON policies (status, policy_type, position);
CREATE INDEX policies_type ON policies (policy_type, position);
)sql"},
    // Idempotency keys expire after 24 h (ServiceStorage retention): the expiry reads by age.
    {4, R"sql(
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
)sql"},
    // Payment results are remembered for 7 days (processed_event_ttl), far longer than any
    // redelivery takes. Rows from before this migration are dated by it; a row replayed from an
    // entry older than the column has none and is kept.
    {5, R"sql(
ALTER TABLE processed_events ADD COLUMN processed_at TEXT;
UPDATE processed_events SET processed_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
CREATE INDEX processed_events_at ON processed_events (processed_at);
)sql"},
    // Providers as tenants (docs/providers.md): the providers, their API keys (only a hash of
    // each), and the provider a claim belongs to (NULL: submitted without a provider's key).
    // A removed provider keeps its row (removed_at) so its name is never reused.
    {6, R"sql(
CREATE TABLE providers (
  name       TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  removed_at TEXT,
  version    INTEGER NOT NULL
);
CREATE TABLE api_keys (
  key_id     TEXT PRIMARY KEY,
  provider   TEXT NOT NULL,
  key_hash   TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  version    INTEGER NOT NULL
);
CREATE INDEX api_keys_provider ON api_keys (provider);
ALTER TABLE claims ADD COLUMN provider TEXT;
CREATE INDEX claims_provider ON claims (provider, position) WHERE provider IS NOT NULL;
)sql"},
    // What each saga step changed in the claim's row: {"field": [before, after], ...} (JSON);
    // NULL for the first entry and for entries written before this migration.
    {7, R"sql(
ALTER TABLE claim_history ADD COLUMN changes TEXT;
)sql"},
    // The step's payment command sent and payment result taken (JSON), and the WAL entry that
    // wrote it (the instance's WAL id and the entry's LSN); NULL where the step had none and in
    // entries written before this migration.
    {8, R"sql(
ALTER TABLE claim_history ADD COLUMN command TEXT;
ALTER TABLE claim_history ADD COLUMN result TEXT;
ALTER TABLE claim_history ADD COLUMN wal_id TEXT;
ALTER TABLE claim_history ADD COLUMN lsn INTEGER;
)sql"},
}};

}  // namespace

std::span<const Migration> ClaimServiceMigrations() { return kMigrations; }

}  // namespace claims

namespace claims {

const std::vector<wal::StateTable>& ClaimServiceTables() {
  static const auto* tables = new std::vector<wal::StateTable>{
      {"policies",
       "policy_id",
       {"position", "policy_id", "policyholder_name", "policy_type", "start_date", "end_date",
        "premium_cents", "status", "customer_id", "coverage_cents", "subscriber_number",
        "plan_group_number", "version", "created_at", "updated_at"}},
      {"policy_coverage", "policy_id", {"policy_id", "reserved_cents", "paid_cents", "version"}},
      {"claims",
       "claim_id",
       {"position",
        "claim_id",
        "policy_id",
        "service_date",
        "submitted_procedure",
        "quadrant",
        "plan_group_number",
        "subscriber_number",
        "provider_npi",
        "provider_fees_cents",
        "allowed_fees_cents",
        "member_coinsurance_cents",
        "member_copay_cents",
        "net_fee_cents",
        "status",
        "failed_in",
        "reason",
        "payment_id",
        "attempts",
        "deadline_us",
        "next_check_us",
        "version",
        "created_at",
        "updated_at",
        "provider"}},
      {"claim_history",
       "history_id",
       {"history_id", "claim_id", "seq", "status", "event", "cause", "at", "changes", "command",
        "result", "wal_id", "lsn", "version"}},
      {"idempotency_keys",
       "idempotency_key",
       {"idempotency_key", "fingerprint", "status", "body", "location", "created_at", "version"}},
      {"processed_events", "event_id", {"event_id", "version", "processed_at"}},
      {"providers", "name", {"name", "created_at", "removed_at", "version"}},
      {"api_keys",
       "key_id",
       {"key_id", "provider", "key_hash", "created_at", "revoked_at", "version"}},
  };
  return *tables;
}

std::vector<wal::RetentionRule> ClaimServiceRetention(std::chrono::seconds idempotency_key_ttl,
                                                      std::chrono::seconds processed_event_ttl) {
  return {{"idempotency_keys", "idempotency_key", "created_at", idempotency_key_ttl},
          {"processed_events", "event_id", "processed_at", processed_event_ttl}};
}

}  // namespace claims
