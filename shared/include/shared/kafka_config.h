// librdkafka client settings for the two ways the product runs:
//   kDev: the embedded mock broker (scripts/embedded_broker): short session timeout and fetch
//         wait, because the mock waits the full fetch.wait.max.ms on an empty fetch and holds a
//         rebalance for session.timeout.ms - 1000 (see docs/dependencies.md).
//   kProduction: a real Kafka cluster: librdkafka's defaults for timing.
// Both: the idempotent producer (acks=all), the murmur2_random partitioner (the Java clients'),
// one assignor (cooperative-sticky) for every group member, manual offset store.
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
};

using KafkaConfigEntries = std::vector<std::pair<std::string, std::string>>;

KafkaConfigEntries ProducerConfig(const KafkaSettings& settings);
KafkaConfigEntries ConsumerConfig(const KafkaSettings& settings, std::string_view group_id);

}  // namespace claims
