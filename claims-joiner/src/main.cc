// claims-joiner: joins the policy topics, claim-events and payment-events into
// claim-payments.joined (claims-joiner/docs/joiner.md), until SIGINT or SIGTERM.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "claims_joiner/claims_joiner.h"
#include "shared/json_log.h"
#include "shared/process.h"

int main(int argc, char** argv) {
  claims::BlockTerminationSignals();
  claims::ClaimsJoinerConfig config;
  std::string profile = "dev";
  std::string log_level = "info";
  CLI::App app{"claims-joiner: each claim's terminal state joined with its policy and payment"};
  app.add_option("--data-dir", config.data_dir, "Where the state store lives (claims-joiner/)")
      ->envname("DATA_DIR")
      ->capture_default_str();
  app.add_option("--kafka-bootstrap", config.kafka.bootstrap_servers,
                 "Kafka bootstrap servers (default: the embedded broker's, from the data dir)")
      ->envname("KAFKA_BOOTSTRAP_SERVERS");
  app.add_option("--kafka-profile", profile, "dev (the embedded broker) or production")
      ->envname("KAFKA_PROFILE")
      ->check(CLI::IsMember({"dev", "production"}))
      ->capture_default_str();
  app.add_option("--instance-id", config.instance_id, "Names this process in its records")
      ->envname("JOINER_INSTANCE_ID")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->envname("LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  claims::SetLogService("claims-joiner", config.instance_id);
  claims::LogLevel level = claims::LogLevel::kInfo;
  claims::ParseLogLevel(log_level, &level);
  claims::SetLogLevel(level);
  claims::ParseKafkaProfile(profile, &config.kafka.profile);
  config.kafka.client_id = "claims-joiner-" + config.instance_id;
  config.kafka.properties = claims::KafkaPropertiesFromEnvironment(environ);
  if (config.kafka.bootstrap_servers.empty()) {
    std::ifstream in(config.data_dir + "/broker/bootstrap.servers");
    std::getline(in, config.kafka.bootstrap_servers);
  }
  if (config.kafka.bootstrap_servers.empty()) {
    std::cerr << "claims-joiner: no Kafka bootstrap servers: set KAFKA_BOOTSTRAP_SERVERS or start "
                 "the embedded broker (bash develop_local.sh runserver)\n";
    return 2;
  }
  auto joiner = claims::ClaimsJoiner::Start(config);
  if (!joiner.ok()) {
    claims::Log(claims::LogLevel::kError, "claims-joiner failed to start",
                {{"error", joiner.status().ToString()}});
    return 1;
  }
  const int signal = claims::WaitForTerminationSignal();
  claims::Log(claims::LogLevel::kInfo, "claims-joiner stopping", {{"signal", signal}});
  joiner->reset();
  claims::Log(claims::LogLevel::kInfo, "claims-joiner stopped");
  return 0;
}
