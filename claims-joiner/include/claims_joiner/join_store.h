// The join of claims-joiner (claims-joiner/docs/joiner.md): the policy topics, claim-events and
// payment-events joined by policy_id and claim_id in a durable SQLite state store, producing one
// claim-payments.joined record each time a claim reaches a terminal state, once its policy and
// the payment result that decided it are known, in whatever order the three streams deliver.
// Each batch is applied in one transaction together with the input positions it reaches, so a
// crash at any point leaves a state the next start resumes from exactly.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "shared/event_envelope.h"
#include "shared/kafka_consumer.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"

namespace claims {

struct JoinedOutput {
  int64_t seq = 0;
  std::string event_id;  // "<claim_id>/joined/<state>": the same however often it is made
  std::string claim_id;
  std::string payload;
};

struct ApplyCounts {
  int64_t applied = 0;  // messages that changed the state
  int64_t skipped = 0;  // already applied (before the stored position) or older versions
  int64_t invalid = 0;  // not matching their topic's schema: logged and left out
  int64_t outputs = 0;  // new joined records
};

class JoinStore {
 public:
  // Opens (creating) the store at `path`. `source` names the producer in the outputs' envelope.
  static StatusOr<std::unique_ptr<JoinStore>> Open(const std::string& path, EventSource source);

  // Where to resume each input partition: the offset after the last applied message.
  StatusOr<std::map<std::pair<std::string, int>, int64_t>> Positions();

  // Applies `batch` (any topics, any order) and its positions in one transaction.
  StatusOr<ApplyCounts> Apply(std::span<const KafkaMessage> batch);

  // Joined records not yet confirmed published, in the order they were made.
  StatusOr<std::vector<JoinedOutput>> Unpublished();
  Status MarkPublished(std::span<const std::string> event_ids);

  // The output topic's end offsets recorded just before a publication started: on a restart,
  // a record still unpublished may have reached the topic after them (see ClaimsJoiner).
  Status SaveRelayStart(const std::map<int, int64_t>& ends);
  StatusOr<std::map<int, int64_t>> RelayStart();

  // Claims that are terminal but still wait for their policy or payment result.
  StatusOr<int64_t> WaitingCount();

 private:
  explicit JoinStore(std::unique_ptr<SqliteDatabase> db, EventSource source)
      : db_(std::move(db)), source_(std::move(source)) {}
  Status ApplyOne(const KafkaMessage& m, ApplyCounts* counts);
  Status TryJoin(const std::string& claim_id, ApplyCounts* counts);

  std::unique_ptr<SqliteDatabase> db_;
  EventSource source_;
};

}  // namespace claims
