// The dead letters of every topic, for the operator (the console's "Dead letters" page; the same
// reading and re-drive as `claimsctl dlq`, shared/dead_letters.h), straight over Kafka:
//   GET  /dead-letters                  every TOPIC.dlq with how many dead letters it keeps
//   GET  /dead-letters/{topic}          its dead letters (TOPIC or TOPIC.dlq), chosen by
//                                       partition, offsets, error and key
//   POST /dead-letters/{topic}/redrive  publish the chosen ones again to the topic they came from
// See claim-service/docs/http_api.md.
#pragma once

#include "shared/http_router.h"
#include "shared/kafka_config.h"

namespace claims {

void AddDeadLetterRoutes(const KafkaSettings& kafka, Router* router);

}  // namespace claims
