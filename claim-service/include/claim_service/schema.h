// The claim-service database schema, as versioned migrations applied at start, and the tables
// the journal writes (every change of them goes through the WAL first).
#pragma once

#include <span>
#include <vector>

#include "shared/sqlite_db.h"
#include "wal/journal.h"

namespace claims {

std::span<const Migration> ClaimServiceMigrations();
const std::vector<wal::StateTable>& ClaimServiceTables();

}  // namespace claims
