// ClaimService: one running claim-service instance, wired from its configuration: the SQLite
// database under the data directory, the Kafka publisher, the HTTP API. main() and the
// integration tests both start it through here.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/registry.h>

#include "claim_service/payment_routes.h"
#include "claim_service/saga_orchestrator.h"
#include "shared/api_keys.h"
#include "shared/clock.h"
#include "shared/http_router.h"
#include "shared/http_server.h"
#include "shared/kafka_config.h"
#include "shared/status.h"
#include "wal/log.h"

namespace claims {

struct ClaimServiceConfig {
  HttpServerOptions http;
  // The database is <data_dir>/claim-service/claims.sqlite (shared by every instance), the WAL
  // <data_dir>/claim-service/wal/<instance_id>/ (one per instance).
  std::string data_dir = "data";
  KafkaSettings kafka;
  std::string instance_id = "claim-1";  // names this instance's WAL, events and logs
  wal::FsyncPolicy fsync = wal::FsyncPolicy::kAlways;
  std::chrono::seconds snapshot_interval{300};  // 0: only on demand (POST /admin/snapshot)
  int snapshots_keep = 3;
  SagaSettings saga;
  int top_providers_per_minute = 10;         // per client
  std::chrono::milliseconds saga_tick{100};  // how often due retries and deadlines are looked at
  std::chrono::seconds idempotency_key_ttl{24 * 3600};      // an Idempotency-Key's answer is kept
  std::chrono::seconds processed_event_ttl{7 * 24 * 3600};  // payment results deduplicated
  AuthSettings auth;  // API keys (docs/providers.md); off by default
  // How long POST /admin/providers waits for the cluster to create the provider's topics.
  std::chrono::milliseconds topic_creation_timeout{15000};
  // Where GET /claims/{id}/payments asks for a claim's payments (none: it answers 503).
  PaymentLookupSettings payments;
};

// The OpenAPI 3.1 document of this service (claim-service/openapi.json, built into the binary).
std::string_view ClaimServiceOpenApi();

class ClaimService {
 public:
  // Opens and migrates the database, opens the WAL (replaying what the database misses),
  // starts the outbox relay, the payment-events consumer, the consumer of the providers'
  // claim topics, the saga clock and the HTTP server.
  // Errors: kFailedPrecondition (database newer than this build), kUnavailable (port taken),
  // kInvalidArgument (bad Kafka setting), kInternal (database cannot be opened).
  static StatusOr<std::unique_ptr<ClaimService>> Start(const ClaimServiceConfig& config,
                                                       const Clock& clock);
  ~ClaimService();

  uint16_t port() const;
  // The routes it serves (the OpenAPI document's test checks each is documented).
  std::vector<Router::RouteInfo> routes() const;
  // Finishes in-flight requests (up to `drain`), stops consuming, publishes what the WAL holds
  // (one attempt), then closes the WAL. Idempotent.
  void Shutdown(std::chrono::milliseconds drain);

 private:
  struct Parts;
  explicit ClaimService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// Where the database file of a claim-service lives under `data_dir`, and an instance's WAL.
std::string ClaimServiceDatabasePath(const std::string& data_dir);
std::string ClaimServiceWalDir(const std::string& data_dir, const std::string& instance_id);

}  // namespace claims
