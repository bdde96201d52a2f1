#include "shared/kafka_config.h"

#include <algorithm>
#include <cctype>
#include <map>

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
  c.insert(c.end(), s.properties.begin(), s.properties.end());
  return c;
}

KafkaConfigEntries ConsumerConfig(const KafkaSettings& s, std::string_view group_id) {
  KafkaConfigEntries c = CommonConfig(s);
  c.emplace_back("group.id", std::string(group_id));
  c.emplace_back("partition.assignment.strategy", "cooperative-sticky");
  c.emplace_back("enable.auto.offset.store", "false");
  c.emplace_back("auto.offset.reset", "earliest");
  // Stored offsets are committed each second (librdkafka's default is 5 s): a group's lag, as
  // tools read it from the committed offsets, is then at most a second behind, and a crash
  // redelivers a second's messages at most (one OffsetCommit a second costs nothing here).
  c.emplace_back("auto.commit.interval.ms", "1000");
  // Prefetch at most 1,000 messages and 1 MiB per partition (librdkafka's defaults, 100,000 and
  // 64 MiB, let a consumer that falls behind hold tens of MB of fetched events in memory; the
  // committer takes a few hundred at a time, so this is seconds of work ahead). heaptrack on
  // claim-service under the saga benchmark: librdkafka's share of the peak heap 80 MB -> 0.2 MB.
  c.emplace_back("queued.min.messages", "1000");
  c.emplace_back("queued.max.messages.kbytes", "1024");
  if (s.profile == KafkaProfile::kDev) {
    c.emplace_back("session.timeout.ms", "6000");
    c.emplace_back("heartbeat.interval.ms", "1000");
    c.emplace_back("fetch.wait.max.ms", "50");
  }
  c.insert(c.end(), s.properties.begin(), s.properties.end());
  return c;
}

KafkaConfigEntries KafkaPropertiesFromEnvironment(const char* const* environment) {
  static const std::map<std::string_view, std::string_view> kNamed = {
      {"KAFKA_SECURITY_PROTOCOL", "security.protocol"}, {"KAFKA_SASL_MECHANISM", "sasl.mechanism"},
      {"KAFKA_SASL_USERNAME", "sasl.username"},         {"KAFKA_SASL_PASSWORD", "sasl.password"},
      {"KAFKA_SSL_CA_LOCATION", "ssl.ca.location"},
  };
  constexpr std::string_view kGeneral = "KAFKA_PROPERTY_";
  std::map<std::string, std::string> general;
  std::map<std::string, std::string> named;
  for (const char* const* e = environment; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = entry.substr(0, eq);
    const std::string value(entry.substr(eq + 1));
    if (const auto it = kNamed.find(name); it != kNamed.end()) {
      named[std::string(it->second)] = value;
    } else if (name.starts_with(kGeneral) && name.size() > kGeneral.size()) {
      std::string property;
      const std::string_view rest = name.substr(kGeneral.size());
      for (size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '_' && i + 1 < rest.size() && rest[i + 1] == '_') {
          property += '_';
          ++i;
        } else if (rest[i] == '_') {
          property += '.';
        } else {
          property += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
        }
      }
      general[property] = value;
    }
  }
  for (auto& [property, value] : named) general[property] = std::move(value);
  return KafkaConfigEntries(general.begin(), general.end());
}

bool IsSecretKafkaProperty(std::string_view name) {
  return name.find("password") != std::string_view::npos ||
         name.find("secret") != std::string_view::npos ||
         name.find("oauthbearer.config") != std::string_view::npos || name.ends_with(".pem");
}

}  // namespace claims
