// Claims from a provider's own platform over Kafka (claim-service/docs/providers.md): one
// consumer group subscribed by pattern to every "<provider>-claim.submitted" topic, so a new
// provider's topic is picked up without a restart. A message's value is a POST /claims JSON
// body (one claim or an array); its "Idempotency-Key" header (or, without one, its topic,
// partition and offset) makes a redelivery change nothing. Accepted claims belong to the
// provider the topic names. A message that cannot be taken (undecodable, invalid, for a
// removed provider) goes to the topic's .dlq with the error; one on a topic no provider ever
// had is logged and skipped (its .dlq may not exist).
#pragma once

#include <span>
#include <vector>

#include "claim_service/claim_routes.h"
#include "shared/kafka_consumer.h"

namespace claims {

// The BatchHandler of the intake consumer. kUnavailable (the journal or database cannot take
// the claims just now) makes the loop retry the batch; already accepted messages then replay.
Status ApplyProviderSubmissions(const ClaimRouteDeps& deps, std::span<const KafkaMessage> batch,
                                std::vector<OutgoingEvent>* dead);

}  // namespace claims
