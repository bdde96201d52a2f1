#include "wal/retention.h"

#include <utility>

#include "shared/clock.h"
#include "shared/sqlite_db.h"

namespace wal {

claims::StatusOr<int64_t> RemoveExpiredRows(Journal& journal, std::span<const RetentionRule> rules,
                                            std::chrono::system_clock::time_point now) {
  constexpr int64_t kPerCommand = 1000;
  int64_t removed = 0;
  for (const RetentionRule& rule : rules) {
    const std::string cutoff = claims::FormatRfc3339(now - rule.max_age);
    for (int64_t found = kPerCommand; found == kPerCommand;) {
      found = 0;
      CLAIMS_RETURN_IF_ERROR(journal.Execute([&](JournalTxn& txn) -> claims::Status {
        auto s = txn.db().Prepare("SELECT " + rule.key_column + ", version FROM " + rule.table +
                                  " WHERE " + rule.time_column + " < ?1 LIMIT " +
                                  std::to_string(kPerCommand));
        if (!s.ok()) return s.status();
        (*s)->Bind(1, std::string_view(cutoff));
        using Row = std::pair<std::string, int64_t>;
        auto rows = claims::CollectRows<Row>(
            *s, [](const claims::SqliteStatement& r) -> claims::StatusOr<Row> {
              return Row{r.ColumnText(0), r.ColumnInt(1)};
            });
        if (!rows.ok()) return rows.status();
        for (const auto& [key, version] : *rows) {
          CLAIMS_RETURN_IF_ERROR(
              txn.Remove(rule.table, {{rule.key_column, key}, {"version", version + 1}}));
        }
        found = static_cast<int64_t>(rows->size());
        return claims::Status::Ok();
      }));
      removed += found;
    }
  }
  return removed;
}

}  // namespace wal
