// PaymentService: one running payment-service instance: its WAL and journal over the shared
// payments database, the outbox relay to payment-events, one consumer-group member on
// payment-commands, the gateway simulator over the shared ledger, and a small HTTP API
// (GET /payments/{payment_id}, GET /payments?claim_id=, /healthz, /readyz, /metrics).
// main() and the tests both start it through here.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "payment_service/gateway.h"
#include "shared/api_keys.h"
#include "shared/clock.h"
#include "shared/http_router.h"
#include "shared/http_server.h"
#include "shared/kafka_config.h"
#include "shared/status.h"
#include "wal/log.h"

namespace claims {

struct PaymentServiceConfig {
  HttpServerOptions http;
  // The database is <data_dir>/payment-service/payments.sqlite (shared by every instance), the
  // WAL <data_dir>/payment-service/wal/<instance_id>/, the ledger gateway.ledger_path (default
  // <data_dir>/payment-gateway/ledger.sqlite, shared).
  std::string data_dir = "data";
  KafkaSettings kafka;
  std::string instance_id = "payment-1";
  wal::FsyncPolicy fsync = wal::FsyncPolicy::kAlways;
  std::chrono::seconds snapshot_interval{300};  // 0: only on demand (POST /admin/snapshot)
  int snapshots_keep = 3;
  std::chrono::seconds processed_command_ttl{7 * 24 * 3600};  // commands deduplicated
  GatewaySettings gateway;
  size_t max_batch = 500;  // commands per consumed batch
  AuthSettings auth;       // API keys: only the operator's is accepted here; off by default
};

// The OpenAPI 3.1 document of this service (payment-service/openapi.json, built into the binary).
std::string_view PaymentServiceOpenApi();

class PaymentService {
 public:
  // Errors: those of the database, the WAL (kLocked when another process holds this
  // instance's WAL), Kafka settings and the HTTP port.
  static StatusOr<std::unique_ptr<PaymentService>> Start(const PaymentServiceConfig& config,
                                                         const Clock& clock);
  ~PaymentService();

  uint16_t port() const;
  // The routes it serves (the OpenAPI document's test checks each is documented).
  std::vector<Router::RouteInfo> routes() const;
  // Stops serving and consuming, publishes what the WAL holds (one attempt). Idempotent.
  void Shutdown(std::chrono::milliseconds drain);

 private:
  struct Parts;
  explicit PaymentService(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

std::string PaymentServiceDatabasePath(const std::string& data_dir);
std::string PaymentServiceWalDir(const std::string& data_dir, const std::string& instance_id);
std::string DefaultLedgerPath(const std::string& data_dir);

}  // namespace claims
