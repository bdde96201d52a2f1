// The payment-service database (one SQLite file shared by every instance): payments as the
// service knows them and the commands it has applied. Written only through each instance's
// journal (WAL first).
#pragma once

#include <chrono>
#include <span>
#include <vector>

#include "shared/sqlite_db.h"
#include "wal/journal.h"
#include "wal/retention.h"

namespace claims {

std::span<const Migration> PaymentServiceMigrations();
const std::vector<wal::StateTable>& PaymentServiceTables();
// What expires: a command's dedup row after `processed_command_ttl` (longer than any redelivery
// takes; a later one asks the gateway again, whose ledger answers a payment id the same way).
std::vector<wal::RetentionRule> PaymentServiceRetention(std::chrono::seconds processed_command_ttl);

}  // namespace claims
