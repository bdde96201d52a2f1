#include "claim_service/claim_service.h"

#include <filesystem>

#include "claim_service/policy_routes.h"
#include "claim_service/policy_service.h"
#include "claim_service/policy_store.h"
#include "claim_service/schema.h"
#include "shared/json_log.h"
#include "shared/kafka_publisher.h"
#include "shared/operational_routes.h"

namespace claims {

struct ClaimService::Parts {
  // Declared in dependency order: destroyed in reverse, so the server stops before what it uses.
  prometheus::Registry metrics;
  std::shared_ptr<LockedDatabase> database;
  std::unique_ptr<KafkaEventPublisher> publisher;
  std::unique_ptr<PolicyStore> policies;
  std::unique_ptr<PolicyService> policy_service;
  Router router;
  std::unique_ptr<HttpServer> server;
  bool stopped = false;
};

std::string ClaimServiceDatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "claim-service" / "claims.sqlite").string();
}

StatusOr<std::unique_ptr<ClaimService>> ClaimService::Start(const ClaimServiceConfig& config,
                                                            const Clock& clock) {
  auto parts = std::make_unique<Parts>();
  const std::string db_path = ClaimServiceDatabasePath(config.data_dir);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(db_path).parent_path(), ec);
  if (ec) return Internal("cannot create " + db_path + "'s directory: " + ec.message());
  StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(db_path);
  if (!db.ok()) return db.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(ClaimServiceMigrations()));
  parts->database = std::make_shared<LockedDatabase>();
  parts->database->db = std::move(*db);

  StatusOr<std::unique_ptr<KafkaEventPublisher>> publisher =
      KafkaEventPublisher::Create(config.kafka, parts->metrics);
  if (!publisher.ok()) return publisher.status();
  parts->publisher = std::move(*publisher);

  parts->policies = std::make_unique<PolicyStore>(parts->database);
  parts->policy_service = std::make_unique<PolicyService>(
      *parts->policies, *parts->publisher, clock, EventSource{"claim-service", config.instance_id},
      parts->metrics);
  AddPolicyRoutes(*parts->policy_service, &parts->router);
  PolicyStore* store = parts->policies.get();
  KafkaEventPublisher* producer = parts->publisher.get();
  AddOperationalRoutes(
      {{"database", [store] { return store->Ping(); }},
       {"broker", [producer] { return producer->CheckBroker(std::chrono::milliseconds(1000)); }}},
      parts->metrics, &parts->router);

  StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(parts->router, config.http, parts->metrics);
  if (!server.ok()) return server.status();
  parts->server = std::move(*server);
  Log(LogLevel::kInfo, "claim-service listening",
      {{"address", "http://" + config.http.host + ":" + std::to_string(parts->server->port())},
       {"database", db_path},
       {"kafka", config.kafka.bootstrap_servers}});
  return std::unique_ptr<ClaimService>(new ClaimService(std::move(parts)));
}

ClaimService::ClaimService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ClaimService::~ClaimService() { Shutdown(std::chrono::seconds(5)); }

uint16_t ClaimService::port() const { return parts_->server->port(); }

void ClaimService::Shutdown(std::chrono::milliseconds drain) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->Shutdown(drain);
  const Status flushed = parts_->publisher->Flush(std::chrono::seconds(10));
  if (!flushed.ok()) {
    Log(LogLevel::kError, "events still queued at shutdown", {{"error", flushed.message()}});
  }
}

}  // namespace claims
