// The claim-service database schema, as versioned migrations applied at start.
#pragma once

#include <span>

#include "shared/sqlite_db.h"

namespace claims {

std::span<const Migration> ClaimServiceMigrations();

}  // namespace claims
