#include "payment_service/payment_service.h"

#include <filesystem>

#include "payment_service/payment_processor.h"
#include "payment_service/schema.h"
#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/kafka_consumer.h"
#include "shared/kafka_publisher.h"
#include "shared/operational_routes.h"
#include "shared/topic_catalog.h"
#include "wal/outbox_relay.h"

namespace claims {
namespace {

Status MakeParentDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Internal("cannot create the directory of " + path + ": " + ec.message());
  return Status::Ok();
}

void AddPaymentRoutes(std::shared_ptr<LockedDatabase> reads, Router* router) {
  router->Add("GET", "/payments/{payment_id}", [reads](const HttpRequest& request) {
    std::lock_guard lock(reads->mu);
    StatusOr<Payment> p = LoadPayment(*reads->db, request.path_params.at("payment_id"));
    if (!p.ok()) return ProblemFromStatus(p.status());
    return JsonResponse(200, EncodePayment(*p));
  });
  router->Add("GET", "/payments", [reads](const HttpRequest& request) {
    FieldErrors errors;
    for (const auto& [name, value] : request.query) {
      if (name != "claim_id") {
        errors.push_back({"query." + name, "is not a query parameter of this endpoint (claim_id)"});
      }
    }
    const auto claim = request.query.find("claim_id");
    if (claim == request.query.end() || claim->second.empty()) {
      errors.push_back({"query.claim_id", "is required"});
    }
    if (!errors.empty()) return ValidationFailed(errors);
    std::lock_guard lock(reads->mu);
    StatusOr<std::vector<Payment>> list = PaymentsOfClaim(*reads->db, claim->second);
    if (!list.ok()) return ProblemFromStatus(list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const Payment& p : *list) out.push_back(EncodePayment(p));
    return JsonResponse(200, out);
  });
}

}  // namespace

struct PaymentService::Parts {
  // Declared in dependency order: destroyed in reverse.
  prometheus::Registry metrics;
  std::shared_ptr<LockedDatabase> reads;
  std::unique_ptr<wal::Journal> journal;
  std::unique_ptr<KafkaEventPublisher> publisher;
  std::unique_ptr<wal::OutboxRelay> relay;
  std::unique_ptr<SimulatedGateway> gateway;
  std::unique_ptr<PaymentProcessor> processor;
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<ConsumerLoop> consumer_loop;
  Router router;
  std::unique_ptr<HttpServer> server;
  bool stopped = false;
};

std::string PaymentServiceDatabasePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "payment-service" / "payments.sqlite").string();
}
std::string PaymentServiceWalDir(const std::string& data_dir, const std::string& instance_id) {
  return (std::filesystem::path(data_dir) / "payment-service" / "wal" / instance_id).string();
}
std::string DefaultLedgerPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "payment-gateway" / "ledger.sqlite").string();
}

StatusOr<std::unique_ptr<PaymentService>> PaymentService::Start(
    const PaymentServiceConfig& config, const Clock& clock) {
  auto parts = std::make_unique<Parts>();
  const std::string db_path = PaymentServiceDatabasePath(config.data_dir);
  CLAIMS_RETURN_IF_ERROR(MakeParentDir(db_path));
  StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(db_path);
  if (!db.ok()) return db.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(PaymentServiceMigrations()));
  parts->reads = std::make_shared<LockedDatabase>();
  parts->reads->db = std::move(*db);

  wal::JournalOptions journal_options;
  journal_options.wal_dir = PaymentServiceWalDir(config.data_dir, config.instance_id);
  journal_options.wal_id = "payment-service/" + config.instance_id;
  journal_options.db_path = db_path;
  journal_options.tables = PaymentServiceTables();
  journal_options.log.fsync = config.fsync;
  journal_options.log.segment_bytes = 16ull << 20;
  journal_options.log.clock = &clock;
  wal::JournalOpenReport report;
  StatusOr<std::unique_ptr<wal::Journal>> journal = wal::Journal::Open(journal_options, &report);
  if (!journal.ok()) return journal.status();
  parts->journal = std::move(*journal);

  StatusOr<std::unique_ptr<KafkaEventPublisher>> publisher =
      KafkaEventPublisher::Create(config.kafka, parts->metrics);
  if (!publisher.ok()) return publisher.status();
  parts->publisher = std::move(*publisher);
  wal::RelayOptions relay_options;
  relay_options.db_path = db_path;
  StatusOr<std::unique_ptr<wal::OutboxRelay>> relay =
      wal::OutboxRelay::Start(*parts->journal, *parts->publisher, relay_options, parts->metrics);
  if (!relay.ok()) return relay.status();
  parts->relay = std::move(*relay);

  GatewaySettings gateway_settings = config.gateway;
  if (gateway_settings.ledger_path.empty()) {
    gateway_settings.ledger_path = DefaultLedgerPath(config.data_dir);
  }
  CLAIMS_RETURN_IF_ERROR(MakeParentDir(gateway_settings.ledger_path));
  StatusOr<std::unique_ptr<SimulatedGateway>> gateway =
      SimulatedGateway::Open(gateway_settings, clock);
  if (!gateway.ok()) return gateway.status();
  parts->gateway = std::move(*gateway);
  parts->processor = std::make_unique<PaymentProcessor>(
      *parts->journal, *parts->gateway, clock, EventSource{"payment-service", config.instance_id});

  AddPaymentRoutes(parts->reads, &parts->router);
  std::shared_ptr<LockedDatabase> reads = parts->reads;
  KafkaEventPublisher* producer = parts->publisher.get();
  wal::Journal* wal_journal = parts->journal.get();
  AddOperationalRoutes(
      {{"database",
        [reads] {
          std::lock_guard lock(reads->mu);
          return reads->db->Exec("SELECT 1");
        }},
       {"wal", [wal_journal] { return wal_journal->failure(); }},
       {"broker", [producer] { return producer->CheckBroker(std::chrono::milliseconds(1000)); }}},
      parts->metrics, &parts->router);

  StatusOr<std::unique_ptr<KafkaConsumer>> consumer = KafkaConsumer::Create(
      config.kafka, "payment-service", {std::string(topics::kPaymentCommands)});
  if (!consumer.ok()) return consumer.status();
  parts->consumer = std::move(*consumer);
  ConsumerLoopOptions loop_options;
  loop_options.max_batch = config.max_batch;
  parts->consumer_loop = std::make_unique<ConsumerLoop>(
      *parts->consumer, *parts->publisher,
      [p = parts->processor.get()](std::span<const KafkaMessage> batch,
                                   std::vector<OutgoingEvent>* dead) {
        return p->Process(batch, dead);
      },
      loop_options, parts->metrics);

  StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(parts->router, config.http, parts->metrics);
  if (!server.ok()) return server.status();
  parts->server = std::move(*server);
  Log(LogLevel::kInfo, "payment-service listening",
      {{"address", "http://" + config.http.host + ":" + std::to_string(parts->server->port())},
       {"database", db_path},
       {"wal", journal_options.wal_dir},
       {"ledger", gateway_settings.ledger_path},
       {"replayed_entries", report.replayed_entries},
       {"kafka", config.kafka.bootstrap_servers}});
  return std::unique_ptr<PaymentService>(new PaymentService(std::move(parts)));
}

PaymentService::PaymentService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

PaymentService::~PaymentService() { Shutdown(std::chrono::seconds(5)); }

uint16_t PaymentService::port() const { return parts_->server->port(); }

void PaymentService::Shutdown(std::chrono::milliseconds drain) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->Shutdown(drain);
  parts_->consumer_loop.reset();
  parts_->consumer.reset();
  parts_->relay.reset();
  parts_->journal.reset();
}

}  // namespace claims
