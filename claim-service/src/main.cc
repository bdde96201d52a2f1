// claim-service: reads its configuration (flags, or the environment variables named beside
// them), starts the service and runs until SIGINT or SIGTERM. See README.md "Configuration".
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>

#include "claim_service/claim_service.h"
#include "shared/json_log.h"
#include "shared/process.h"

namespace {

std::string DefaultInstanceId() {
  char host[256] = "host";
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

// The bootstrap list the embedded broker wrote, if any.
std::string BrokerFileBootstrap(const std::string& data_dir) {
  std::ifstream in(data_dir + "/broker/bootstrap.servers");
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  claims::BlockTerminationSignals();
  claims::ClaimServiceConfig config;
  std::string profile = "dev";
  std::string log_level = "info";
  std::string port_file;
  int drain_ms = 10000;

  CLI::App app{"claim-service: the policy API, claims API and saga orchestrator"};
  app.add_option("--host", config.http.host, "Address to listen on")
      ->envname("CLAIM_SERVICE_HOST")
      ->capture_default_str();
  app.add_option("--port", config.http.port, "Port to listen on (0: any free port)")
      ->envname("CLAIM_SERVICE_PORT")
      ->capture_default_str();
  app.add_option("--threads", config.http.threads, "HTTP worker threads")
      ->envname("CLAIM_SERVICE_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-body-bytes", config.http.max_body_bytes, "Largest request body accepted")
      ->envname("MAX_BODY_BYTES")
      ->check(CLI::Range(1024, 64 << 20))
      ->capture_default_str();
  app.add_option("--access-log", config.http.access_log, "One log line per request (true/false)")
      ->envname("ACCESS_LOG")
      ->capture_default_str();
  app.add_option("--data-dir", config.data_dir, "Directory of the database (and later the WAL)")
      ->envname("DATA_DIR")
      ->capture_default_str();
  app.add_option("--kafka-bootstrap", config.kafka.bootstrap_servers,
                 "Kafka bootstrap servers (default: the embedded broker's, from "
                 "<data-dir>/broker/bootstrap.servers)")
      ->envname("KAFKA_BOOTSTRAP_SERVERS");
  app.add_option("--kafka-profile", profile, "Client settings: dev (embedded broker) or production")
      ->envname("KAFKA_PROFILE")
      ->check(CLI::IsMember({"dev", "production"}))
      ->capture_default_str();
  app.add_option("--instance-id", config.instance_id, "Name of this instance (default host-pid)")
      ->envname("INSTANCE_ID");
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->envname("LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--port-file", port_file, "Write the bound port to this file once listening")
      ->envname("CLAIM_SERVICE_PORT_FILE");
  app.add_option("--drain-ms", drain_ms, "On shutdown, wait this long for in-flight requests")
      ->envname("DRAIN_MS")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (config.instance_id.empty()) config.instance_id = DefaultInstanceId();
  claims::SetLogService("claim-service", config.instance_id);
  claims::LogLevel level = claims::LogLevel::kInfo;
  claims::ParseLogLevel(log_level, &level);
  claims::SetLogLevel(level);
  claims::ParseKafkaProfile(profile, &config.kafka.profile);
  config.kafka.client_id = "claim-service-" + config.instance_id;
  if (config.kafka.bootstrap_servers.empty()) {
    config.kafka.bootstrap_servers = BrokerFileBootstrap(config.data_dir);
  }
  if (config.kafka.bootstrap_servers.empty()) {
    std::cerr << "claim-service: no Kafka bootstrap servers: set KAFKA_BOOTSTRAP_SERVERS or start "
                 "the embedded broker (bash develop_local.sh runserver)\n";
    return 2;
  }

  claims::SystemClock clock;
  auto service = claims::ClaimService::Start(config, clock);
  if (!service.ok()) {
    claims::Log(claims::LogLevel::kError, "claim-service failed to start",
                {{"error", service.status().ToString()}});
    return 1;
  }
  if (!port_file.empty()) {
    const claims::Status written =
        claims::WriteFileAtomically(port_file, std::to_string((*service)->port()) + "\n");
    if (!written.ok()) {
      claims::Log(claims::LogLevel::kError, "cannot write port file",
                  {{"error", written.message()}});
      return 1;
    }
  }
  const int signal = claims::WaitForTerminationSignal();
  claims::Log(claims::LogLevel::kInfo, "claim-service stopping", {{"signal", signal}});
  (*service)->Shutdown(std::chrono::milliseconds(drain_ms));
  claims::Log(claims::LogLevel::kInfo, "claim-service stopped");
  return 0;
}
