// What every service's main() shares: the common flags (each with its environment variable),
// resolving the Kafka bootstrap list, and running a started service until SIGINT or SIGTERM.
// Header-only: only the executables link CLI11.
#pragma once

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <string>

#include "shared/http_server.h"
#include "shared/json_log.h"
#include "shared/kafka_config.h"
#include "shared/process.h"

namespace claims {

struct CommonFlags {
  std::string profile = "dev";
  std::string log_level = "info";
  std::string port_file;
  std::string fsync = "always";
  int drain_ms = 10000;
  int snapshot_interval_s = 300;
  int snapshots_keep = 3;
  std::string auth = "off";
  bool auth_off_on_network = false;
  std::string operator_api_key;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost): only this machine reaches it.
inline bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

// Adds the flags every service has. `prefix` names the service's own variables
// ("CLAIM_SERVICE" -> CLAIM_SERVICE_HOST, CLAIM_SERVICE_PORT, ...).
inline void AddCommonFlags(CLI::App& app, const std::string& prefix, HttpServerOptions* http,
                           std::string* data_dir, KafkaSettings* kafka, std::string* instance_id,
                           CommonFlags* flags) {
  app.add_option("--host", http->host, "Address to listen on")
      ->envname(prefix + "_HOST")
      ->capture_default_str();
  app.add_option("--port", http->port, "Port to listen on (0: any free port)")
      ->envname(prefix + "_PORT")
      ->capture_default_str();
  app.add_option("--reuse-port", http->reuse_port,
                 "Share the port with other instances started with it (SO_REUSEPORT): the "
                 "kernel spreads connections over them (true/false)")
      ->envname("REUSE_PORT")
      ->capture_default_str();
  app.add_option("--threads", http->threads, "HTTP worker threads")
      ->envname(prefix + "_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-body-bytes", http->max_body_bytes, "Largest request body accepted")
      ->envname("MAX_BODY_BYTES")
      ->check(CLI::Range(1024, 64 << 20))
      ->capture_default_str();
  app.add_option("--access-log", http->access_log, "One log line per request (true/false)")
      ->envname("ACCESS_LOG")
      ->capture_default_str();
  app.add_option("--web-dir", http->web_dir,
                 "Directory of the web pages (/docs, /console) and their npm packages")
      ->envname("WEB_DIR")
      ->capture_default_str();
  app.add_option("--data-dir", *data_dir, "Directory of the databases and the WALs")
      ->envname("DATA_DIR")
      ->capture_default_str();
  app.add_option("--kafka-bootstrap", kafka->bootstrap_servers,
                 "Kafka bootstrap servers (default: the embedded broker's, from "
                 "<data-dir>/broker/bootstrap.servers)")
      ->envname("KAFKA_BOOTSTRAP_SERVERS");
  app.add_option("--kafka-profile", flags->profile,
                 "Client settings: dev (embedded broker) or production")
      ->envname("KAFKA_PROFILE")
      ->check(CLI::IsMember({"dev", "production"}))
      ->capture_default_str();
  app.add_option("--instance-id", *instance_id,
                 "Name of this instance; names its WAL directory, so keep it across restarts "
                 "and give every running instance its own. auto: the first of <service>-1, "
                 "<service>-2, ... no running instance holds (for identical replicas)")
      ->envname("INSTANCE_ID")
      ->check([](const std::string& id) -> std::string {
        if (id.empty() || id.size() > 64) return "must be 1 to 64 characters";
        for (char c : id) {
          if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
            return "may hold only letters, digits, '-', '_' and '.'";
          }
        }
        return id == "." || id == ".." ? "must name a directory" : "";
      })
      ->capture_default_str();
  app.add_option("--fsync", flags->fsync, "WAL fsync policy: always, interval or none")
      ->envname("WAL_FSYNC")
      ->check(CLI::IsMember({"always", "interval", "none"}))
      ->capture_default_str();
  app.add_option("--snapshot-interval-s", flags->snapshot_interval_s,
                 "Seconds between database snapshots (0: only POST /admin/snapshot)")
      ->envname("SNAPSHOT_INTERVAL_S")
      ->check(CLI::Range(0, 86400 * 7))
      ->capture_default_str();
  app.add_option("--snapshots-keep", flags->snapshots_keep, "Snapshots kept (the newest ones)")
      ->envname("SNAPSHOTS_KEEP")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--log-level", flags->log_level, "debug, info, warn or error")
      ->envname("LOG_LEVEL")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  app.add_option("--port-file", flags->port_file,
                 "Write the bound port to this file once listening")
      ->envname(prefix + "_PORT_FILE");
  app.add_option("--auth", flags->auth,
                 "API keys: required (every route but /healthz, /readyz and /metrics needs a "
                 "key) or off (nothing is checked; for local use)")
      ->envname("AUTH")
      ->check(CLI::IsMember({"off", "required"}))
      ->capture_default_str();
  app.add_option("--auth-off-on-network", flags->auth_off_on_network,
                 "With --auth off, listen on an address other than loopback all the same "
                 "(true/false): only where nothing but trusted hosts reach it (the local "
                 "compose's container network, its ports published on 127.0.0.1)")
      ->envname("AUTH_OFF_ON_NETWORK")
      ->capture_default_str();
  app.add_option("--operator-api-key", flags->operator_api_key,
                 "The operator's key (24 or more characters); prefer the variable, which "
                 "process lists do not show")
      ->envname("OPERATOR_API_KEY");
  app.add_option("--drain-ms", flags->drain_ms,
                 "On shutdown, wait this long for in-flight requests")
      ->envname("DRAIN_MS")
      ->capture_default_str();
}

// Applies the parsed common flags: logging, the Kafka profile and client id, the librdkafka
// properties of the environment (KAFKA_SECURITY_PROTOCOL, ..., KAFKA_PROPERTY_<NAME>), the
// bootstrap list (the embedded broker's file when none was given) and authentication. False,
// with a message on stderr, when there is no broker to use, auth required has no operator key,
// or auth off would listen on `host`, an address others reach, without --auth-off-on-network.
inline bool ResolveCommonFlags(const std::string& service, const std::string& instance_id,
                               const std::string& data_dir, const std::string& host,
                               const CommonFlags& flags, KafkaSettings* kafka, AuthSettings* auth) {
  SetLogService(service, instance_id);
  LogLevel level = LogLevel::kInfo;
  ParseLogLevel(flags.log_level, &level);
  SetLogLevel(level);
  ParseKafkaProfile(flags.profile, &kafka->profile);
  kafka->client_id = service + "-" + instance_id;
  kafka->properties = KafkaPropertiesFromEnvironment(environ);
  if (!kafka->properties.empty()) {
    std::vector<std::string> names;  // never the values: some are secrets
    names.reserve(kafka->properties.size());
    for (const auto& [name, value] : kafka->properties) names.push_back(name);
    Log(LogLevel::kInfo, "kafka properties from the environment", {{"properties", names}});
  }
  if (kafka->bootstrap_servers.empty()) {
    std::ifstream in(data_dir + "/broker/bootstrap.servers");
    std::getline(in, kafka->bootstrap_servers);
  }
  if (kafka->bootstrap_servers.empty()) {
    std::cerr << service
              << ": no Kafka bootstrap servers: set KAFKA_BOOTSTRAP_SERVERS or start the "
                 "embedded broker (bash develop_local.sh runserver)\n";
    return false;
  }
  auth->mode = ParseAuthMode(flags.auth).value_or(AuthMode::kRequired);
  auth->operator_key = flags.operator_api_key;
  if (const Status s = CheckAuthSettings(*auth); !s.ok()) {
    std::cerr << service << ": " << s.message() << "\n";
    return false;
  }
  if (auth->mode == AuthMode::kOff && !IsLoopbackHost(host) && !flags.auth_off_on_network) {
    std::cerr << service << ": --auth off (AUTH=off) with --host " << host
              << " would open every endpoint to anyone who can reach this address: use --auth "
                 "required with an operator key, listen on 127.0.0.1, or say "
                 "--auth-off-on-network true (AUTH_OFF_ON_NETWORK=true) where only trusted "
                 "hosts reach it\n";
    return false;
  }
  if (auth->mode == AuthMode::kOff) {
    Log(LogLevel::kWarn,
        "authentication is off: every endpoint is open to anyone who can reach the port; "
        "run with --auth required (AUTH=required) where others can reach it");
  }
  return true;
}

// Writes the port file (if asked), waits for SIGINT or SIGTERM, then shuts `service` down.
// Returns the process exit code.
template <typename Service>
int ServeUntilSignal(const std::string& name, Service& service, const CommonFlags& flags) {
  if (!flags.port_file.empty()) {
    const Status written =
        WriteFileAtomically(flags.port_file, std::to_string(service.port()) + "\n");
    if (!written.ok()) {
      Log(LogLevel::kError, "cannot write port file", {{"error", written.message()}});
      return 1;
    }
  }
  const int signal = WaitForTerminationSignal();
  Log(LogLevel::kInfo, name + " stopping", {{"signal", signal}});
  service.Shutdown(std::chrono::milliseconds(flags.drain_ms));
  Log(LogLevel::kInfo, name + " stopped");
  return 0;
}

}  // namespace claims
