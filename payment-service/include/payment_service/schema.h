// The payment-service database (one SQLite file shared by every instance): payments as the
// service knows them and the commands it has applied. Written only through each instance's
// journal (WAL first).
#pragma once

#include <span>
#include <vector>

#include "shared/sqlite_db.h"
#include "wal/journal.h"

namespace claims {

std::span<const Migration> PaymentServiceMigrations();
const std::vector<wal::StateTable>& PaymentServiceTables();

}  // namespace claims
