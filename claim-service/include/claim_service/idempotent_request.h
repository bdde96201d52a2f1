// Idempotency-Key for POST endpoints: the first successful answer to a key is stored (table
// idempotency_keys) in the same journal transaction as the change it answers, so a retried
// request gets that answer again (with "Idempotent-Replayed: true") and changes nothing. The
// same key with another method, path or body is a 409. Failed requests are not stored: a retry
// runs again. Keys are 1 to 255 printable ASCII characters.
#pragma once

#include <functional>
#include <optional>

#include "shared/clock.h"
#include "shared/http_types.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"
#include "wal/journal.h"

namespace claims {

using JournalWork = std::function<StatusOr<HttpResponse>(wal::JournalTxn& txn)>;
// Validates the request; returns the problem answer when it is refused.
using RequestCheck = std::function<std::optional<HttpResponse>()>;

// Answers a known key from the store; otherwise runs `check`, then submits `work` as one journal
// command and answers through `reply` with its response or the problem for its error once the
// command is durable (from the journal's completion thread): the calling thread does not wait.
// `work` runs on the committer thread, so it owns what it uses (the request excepted, which
// lives until it is answered). `clock` stamps keys. `reads` is the service's read connection
// (committed keys are looked up there first).
void ExecuteIdempotent(wal::Journal& journal, ReadConnections& reads, const Clock& clock,
                       const HttpRequest& request, const RequestCheck& check, JournalWork work,
                       Reply reply);

}  // namespace claims
