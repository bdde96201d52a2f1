// Helpers shared by the librdkafka adapters: building a configuration and a client, routing
// librdkafka's own log lines into the JSON log, and checks of a client's health.
#pragma once

#include <chrono>

#include <librdkafka/rdkafka.h>

#include "shared/kafka_config.h"
#include "shared/status.h"

namespace claims {

// A new configuration holding `entries`, with librdkafka logs and errors routed to Log().
// Errors: kInvalidArgument naming the bad entry. The caller owns the result until it is passed
// to NewKafkaClient (which takes it, on success and on failure).
StatusOr<rd_kafka_conf_t*> NewKafkaConf(const KafkaConfigEntries& entries);

// Creates a producer or consumer from `conf` (consumed). Errors: kInvalidArgument.
StatusOr<rd_kafka_t*> NewKafkaClient(rd_kafka_type_t type, rd_kafka_conf_t* conf);

// kInternal with the reason if the client hit a fatal error (it must then be recreated).
Status KafkaFatalError(rd_kafka_t* rk);

// OK when a broker answered a metadata request within `timeout`; kUnavailable otherwise.
Status CheckKafkaBroker(rd_kafka_t* rk, std::chrono::milliseconds timeout);

}  // namespace claims
