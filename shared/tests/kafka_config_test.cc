// Kafka client settings from the environment: they reach librdkafka's configuration, the
// named variables win, and secret values stay out of error messages.
#include "shared/kafka_config.h"

#include <gtest/gtest.h>

#include "shared/kafka_client.h"

namespace claims {
namespace {

std::string ConfValue(rd_kafka_conf_t* conf, const char* name) {
  char value[512];
  size_t size = sizeof value;
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "(unset)";
  return value;
}

TEST(KafkaConfigTest, EnvironmentPropertiesReachTheClientConfiguration) {
  const char* const environment[] = {
      "PATH=/usr/bin",
      "KAFKA_SECURITY_PROTOCOL=SASL_SSL",
      "KAFKA_SASL_MECHANISM=PLAIN",
      "KAFKA_SASL_USERNAME=claims-svc",
      "KAFKA_SASL_PASSWORD=s3cret=with=equals",
      "KAFKA_SSL_CA_LOCATION=/etc/ssl/certs/ca-certificates.crt",
      "KAFKA_PROPERTY_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM=https",
      "KAFKA_PROPERTY_SECURITY_PROTOCOL=plaintext",  // the named variable wins
      "KAFKA_PROPERTY_=ignored",
      "KAFKA_BOOTSTRAP_SERVERS=not-a-property:9092",
      nullptr};
  KafkaSettings settings;
  settings.bootstrap_servers = "broker-1.example:9093";
  settings.properties = KafkaPropertiesFromEnvironment(environment);
  EXPECT_EQ(settings.properties,
            (KafkaConfigEntries{{"sasl.mechanism", "PLAIN"},
                                {"sasl.password", "s3cret=with=equals"},
                                {"sasl.username", "claims-svc"},
                                {"security.protocol", "SASL_SSL"},
                                {"ssl.ca.location", "/etc/ssl/certs/ca-certificates.crt"},
                                {"ssl.endpoint.identification.algorithm", "https"}}));
  for (const KafkaConfigEntries& entries :
       {ProducerConfig(settings), ConsumerConfig(settings, "claim-service")}) {
    StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(entries);
    ASSERT_TRUE(conf.ok()) << conf.status().ToString();
    EXPECT_EQ(ConfValue(*conf, "security.protocol"), "sasl_ssl");
    EXPECT_EQ(ConfValue(*conf, "sasl.mechanisms"), "PLAIN");
    EXPECT_EQ(ConfValue(*conf, "sasl.username"), "claims-svc");
    EXPECT_EQ(ConfValue(*conf, "sasl.password"), "s3cret=with=equals");
    EXPECT_EQ(ConfValue(*conf, "ssl.ca.location"), "/etc/ssl/certs/ca-certificates.crt");
    EXPECT_EQ(ConfValue(*conf, "ssl.endpoint.identification.algorithm"), "https");
    EXPECT_EQ(ConfValue(*conf, "bootstrap.servers"), "broker-1.example:9093");
    rd_kafka_conf_destroy(*conf);
  }
}

TEST(KafkaConfigTest, DoubleUnderscoreIsALiteralUnderscore) {
  const char* const environment[] = {"KAFKA_PROPERTY_SOME__NAME_X=1", nullptr};
  EXPECT_EQ(KafkaPropertiesFromEnvironment(environment),
            (KafkaConfigEntries{{"some_name.x", "1"}}));
}

TEST(KafkaConfigTest, ASecretValueNeverAppearsInAnError) {
  EXPECT_TRUE(IsSecretKafkaProperty("sasl.password"));
  EXPECT_TRUE(IsSecretKafkaProperty("ssl.key.password"));
  EXPECT_TRUE(IsSecretKafkaProperty("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(IsSecretKafkaProperty("sasl.username"));
  StatusOr<rd_kafka_conf_t*> secret = NewKafkaConf({{"sasl.password.typo", "hunter2"}});
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find("hunter2"), std::string::npos)
      << secret.status().message();
  EXPECT_NE(secret.status().message().find("sasl.password.typo"), std::string::npos);
  StatusOr<rd_kafka_conf_t*> plain = NewKafkaConf({{"linger.ms", "soon"}});
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("soon"), std::string::npos) << "not a secret: shown";
}

TEST(KafkaConfigTest, ConsumersPrefetchBoundedAndTheEnvironmentCanRaiseIt) {
  for (const KafkaProfile profile : {KafkaProfile::kDev, KafkaProfile::kProduction}) {
    KafkaSettings settings;
    settings.bootstrap_servers = "127.0.0.1:9092";
    settings.profile = profile;
    StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(ConsumerConfig(settings, "claim-service"));
    ASSERT_TRUE(conf.ok()) << conf.status().ToString();
    EXPECT_EQ(ConfValue(*conf, "queued.min.messages"), "1000");
    EXPECT_EQ(ConfValue(*conf, "queued.max.messages.kbytes"), "1024");
    rd_kafka_conf_destroy(*conf);
  }
  const char* const environment[] = {"KAFKA_PROPERTY_QUEUED_MIN_MESSAGES=100000", nullptr};
  KafkaSettings settings;
  settings.bootstrap_servers = "127.0.0.1:9092";
  settings.properties = KafkaPropertiesFromEnvironment(environment);
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(ConsumerConfig(settings, "claim-service"));
  ASSERT_TRUE(conf.ok()) << conf.status().ToString();
  EXPECT_EQ(ConfValue(*conf, "queued.min.messages"), "100000");
  rd_kafka_conf_destroy(*conf);
}

}  // namespace
}  // namespace claims
