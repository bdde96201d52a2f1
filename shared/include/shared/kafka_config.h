// librdkafka client settings for the two ways the product runs:
//   kDev: the embedded mock broker (scripts/embedded_broker): short session timeout and fetch
//         wait, because the mock waits the full fetch.wait.max.ms on an empty fetch and holds a
//         rebalance for session.timeout.ms - 1000 (see docs/dependencies.md).
//   kProduction: a real Kafka cluster: librdkafka's defaults for timing.
// Both: the idempotent producer (acks=all), the murmur2_random partitioner (the Java clients'),
// one assignor (cooperative-sticky) for every group member, manual offset store, committed
// each second.
// Any librdkafka property can be added from the environment (KafkaPropertiesFromEnvironment),
// for a managed Kafka (SASL_SSL) with no code change; those are applied last, so they win.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace claims {

enum class KafkaProfile { kDev, kProduction };

// Parses "dev" or "production".
bool ParseKafkaProfile(std::string_view text, KafkaProfile* profile);

struct KafkaSettings {
  std::string bootstrap_servers;  // "host:port,host:port"
  KafkaProfile profile = KafkaProfile::kDev;
  std::string client_id = "claims";
  int message_timeout_ms = 60000;  // a message not delivered by then is reported failed
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka name, value
};

using KafkaConfigEntries = std::vector<std::pair<std::string, std::string>>;

// The librdkafka properties that environment entries ("NAME=value", as in environ) set:
//   KAFKA_SECURITY_PROTOCOL  security.protocol     KAFKA_SASL_MECHANISM  sasl.mechanism
//   KAFKA_SASL_USERNAME      sasl.username         KAFKA_SASL_PASSWORD   sasl.password
//   KAFKA_SSL_CA_LOCATION    ssl.ca.location
//   KAFKA_PROPERTY_<NAME>    <name> lower-cased, '_' read as '.', "__" as '_'
//                            (KAFKA_PROPERTY_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=https)
// Sorted by property name; a named variable wins over the same property given generally.
KafkaConfigEntries KafkaPropertiesFromEnvironment(const char* const* environment);
// Whether a property's value is a secret: it is never logged nor put in an error message.
bool IsSecretKafkaProperty(std::string_view name);

KafkaConfigEntries ProducerConfig(const KafkaSettings& settings);
KafkaConfigEntries ConsumerConfig(const KafkaSettings& settings, std::string_view group_id);

}  // namespace claims
