// Retention: rows of journal tables that expire, removed through the journal so the WAL holds
// the deletes and a replay or a restore removes the same rows. ServiceStorage runs it every
// `retention_interval`; each service lists its rules beside its schema.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "shared/status.h"
#include "wal/journal.h"

namespace wal {

// Rows of a journal table that expire: those whose `time_column` (RFC 3339 UTC text, compared
// as text) is older than `max_age`. A row whose time is NULL never expires.
struct RetentionRule {
  std::string table;
  std::string key_column;
  std::string time_column;  // needs an index: expiry reads it on the committer thread
  std::chrono::seconds max_age;
};

// Removes the rows `rules` say have expired at `now`, in journal commands of up to 1,000 rows
// each. Returns how many were removed. Errors: the journal's.
claims::StatusOr<int64_t> RemoveExpiredRows(Journal& journal, std::span<const RetentionRule> rules,
                                            std::chrono::system_clock::time_point now);

}  // namespace wal
