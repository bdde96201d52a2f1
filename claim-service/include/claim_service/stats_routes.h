// GET /stats/events (operator): the event statistics `claimsctl monitor --once` prints (per topic
// and event type counts and rates, dead letters, consumer group lag, claims per saga state; see
// shared/event_stats.h), from a reader of every topic that the first request starts, so an
// instance nobody asks pays nothing for it.
#pragma once

#include "shared/http_router.h"
#include "shared/kafka_config.h"

namespace claims {

void AddEventStatsRoutes(const KafkaSettings& kafka, Router* router);

}  // namespace claims
