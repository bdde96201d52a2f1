#include "shared/kafka_config.h"

namespace claims {

bool ParseKafkaProfile(std::string_view text, KafkaProfile* profile) {
  if (text == "dev") {
    *profile = KafkaProfile::kDev;
    return true;
  }
  if (text == "production") {
    *profile = KafkaProfile::kProduction;
    return true;
  }
  return false;
}

namespace {

KafkaConfigEntries CommonConfig(const KafkaSettings& s) {
  KafkaConfigEntries c = {
      {"bootstrap.servers", s.bootstrap_servers},
      {"client.id", s.client_id},
  };
  if (s.profile == KafkaProfile::kDev) {
    // The mock cluster answers instantly; do not wait long to learn a broker came back.
    c.emplace_back("reconnect.backoff.max.ms", "1000");
    c.emplace_back("topic.metadata.refresh.interval.ms", "10000");
  }
  return c;
}

}  // namespace

KafkaConfigEntries ProducerConfig(const KafkaSettings& s) {
  KafkaConfigEntries c = CommonConfig(s);
  c.emplace_back("enable.idempotence", "true");
  c.emplace_back("partitioner", "murmur2_random");
  c.emplace_back("linger.ms", s.profile == KafkaProfile::kDev ? "1" : "5");
  c.emplace_back("message.timeout.ms", std::to_string(s.message_timeout_ms));
  return c;
}

KafkaConfigEntries ConsumerConfig(const KafkaSettings& s, std::string_view group_id) {
  KafkaConfigEntries c = CommonConfig(s);
  c.emplace_back("group.id", std::string(group_id));
  c.emplace_back("partition.assignment.strategy", "cooperative-sticky");
  c.emplace_back("enable.auto.offset.store", "false");
  c.emplace_back("auto.offset.reset", "earliest");
  if (s.profile == KafkaProfile::kDev) {
    c.emplace_back("session.timeout.ms", "6000");
    c.emplace_back("heartbeat.interval.ms", "1000");
    c.emplace_back("fetch.wait.max.ms", "50");
  }
  return c;
}

}  // namespace claims
