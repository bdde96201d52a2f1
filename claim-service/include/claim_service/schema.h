// The claim-service database schema, as versioned migrations applied at start, and the tables
// the journal writes (every change of them goes through the WAL first).
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "shared/sqlite_db.h"
#include "wal/journal.h"
#include "wal/retention.h"

namespace claims {

std::span<const Migration> ClaimServiceMigrations();
const std::vector<wal::StateTable>& ClaimServiceTables();
// What expires: an Idempotency-Key's answer after `idempotency_key_ttl` (then the key may be
// used again), a payment result's dedup row after `processed_event_ttl` (longer than any
// redelivery takes; a later one finds its claim past that step and is ignored).
std::vector<wal::RetentionRule> ClaimServiceRetention(std::chrono::seconds idempotency_key_ttl,
                                                      std::chrono::seconds processed_event_ttl);

}  // namespace claims
