// Creating topics at run time (a new provider's topics). On a real cluster (KafkaProfile
// kProduction) through the admin API: CreateTopics with the given partition counts, and the
// cluster's default replication factor; a topic that exists already is left as it is. The
// embedded broker (kDev) has no admin API: there a metadata request for each topic makes the
// broker create it, with 4 partitions (docs/dependencies.md).
#pragma once

#include <chrono>
#include <vector>

#include "shared/kafka_config.h"
#include "shared/status.h"
#include "shared/topic_catalog.h"

namespace claims {

// Makes sure every topic of `wanted` exists and returns each with the partition count the
// broker reports. Errors: kUnavailable when the broker did not answer within `timeout`;
// kInternal with the broker's reason when it refused a topic.
StatusOr<std::vector<NamedTopic>> EnsureTopics(const KafkaSettings& settings,
                                               const std::vector<NamedTopic>& wanted,
                                               std::chrono::milliseconds timeout);

}  // namespace claims
