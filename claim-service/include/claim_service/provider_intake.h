// Claims from a provider's own platform over Kafka (claim-service/docs/providers.md): one
// consumer group subscribed by pattern to every "<provider>-claim.submitted" topic, so a new
// provider's topic is picked up without a restart. A message's value is a POST /claims JSON
// body (one claim or an array); its "Idempotency-Key" header (or, without one, its topic,
// partition and offset) makes a redelivery change nothing. Accepted claims belong to the
// provider the topic names. A message that cannot be taken (undecodable, invalid, for a
// removed provider, or on the topic of a provider not registered yet) goes to the topic's .dlq
// with the error, for a re-drive once the cause is fixed (claimsctl dlq redrive).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "claim_service/claim_routes.h"
#include "shared/kafka_consumer.h"

namespace claims {

// Makes sure a dead-letter topic exists (EnsureTopics): the topic of a provider not registered
// yet has none, and a dead letter to a missing topic would hold up every provider's intake.
// When it cannot be made, the message is logged at error level and skipped (it stays on its
// own topic).
using DeadLetterTopicCreator = std::function<Status(const std::string& topic)>;

// The BatchHandler of the intake consumer. kUnavailable (the journal or database cannot take
// the claims just now, or the dead-letter topic cannot be made) makes the loop retry the batch;
// already accepted messages then replay.
Status ApplyProviderSubmissions(const ClaimRouteDeps& deps,
                                const DeadLetterTopicCreator& create_dead_letter_topic,
                                std::span<const KafkaMessage> batch,
                                std::vector<OutgoingEvent>* dead);

}  // namespace claims
