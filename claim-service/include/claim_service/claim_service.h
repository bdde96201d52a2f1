// ClaimService: one running claim-service instance, wired from its configuration: the SQLite
// database under the data directory, the Kafka publisher, the HTTP API. main() and the
// integration tests both start it through here.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "shared/clock.h"
#include "shared/http_server.h"
#include "shared/kafka_config.h"
#include "shared/status.h"

namespace claims {

struct ClaimServiceConfig {
  HttpServerOptions http;
  std::string data_dir = "data";  // the database lives in <data_dir>/claim-service/
  KafkaSettings kafka;
  std::string instance_id;  // names this instance in events and logs
};

class ClaimService {
 public:
  // Opens and migrates the database, connects the producer and starts serving.
  // Errors: kFailedPrecondition (database newer than this build), kUnavailable (port taken),
  // kInvalidArgument (bad Kafka setting), kInternal (database cannot be opened).
  static StatusOr<std::unique_ptr<ClaimService>> Start(const ClaimServiceConfig& config,
                                                       const Clock& clock);
  ~ClaimService();

  uint16_t port() const;
  // Finishes in-flight requests (up to `drain`), then flushes queued events. Idempotent.
  void Shutdown(std::chrono::milliseconds drain);

 private:
  struct Parts;
  explicit ClaimService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Where the database file of a claim-service lives under `data_dir`.
std::string ClaimServiceDatabasePath(const std::string& data_dir);

}  // namespace claims
