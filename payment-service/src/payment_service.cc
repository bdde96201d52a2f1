#include "payment_service/payment_service.h"

#include <filesystem>

#include <prometheus/counter.h>

#include "payment_service/payment_processor.h"
#include "payment_service/schema.h"
#include "shared/enum_names.h"
#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/kafka_consumer.h"
#include "shared/money.h"
#include "shared/operational_routes.h"
#include "shared/topic_catalog.h"
#include "shared/web_routes.h"
#include "wal/service_storage.h"

namespace claims {
namespace {

Status MakeParentDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) return Internal("cannot create the directory of " + path + ": " + ec.message());
  return Status::Ok();
}

nlohmann::json EncodeLedgerEntry(const LedgerEntry& e) {
  nlohmann::json j = {{"payment_id", e.payment_id},
                      {"claim_id", e.claim_id},
                      {"amount", Money::FromCents(e.amount_cents).ToString()},
                      {"status", e.status},
                      {"created_at", e.created_at},
                      {"updated_at", e.updated_at}};
  if (!e.reason.empty()) j["reason"] = e.reason;
  return j;
}

// A payment as operators read it: payment-service's row and the gateway ledger's entry for its
// idempotency key (null when the gateway has none).
StatusOr<nlohmann::json> PaymentWithLedger(const Payment& p, PaymentGateway& gateway) {
  StatusOr<std::optional<LedgerEntry>> entry = gateway.Lookup(p.payment_id);
  if (!entry.ok()) return entry.status();
  nlohmann::json j = EncodePayment(p);
  j["ledger"] = *entry ? EncodeLedgerEntry(**entry) : nlohmann::json();
  return j;
}

void AddPaymentRoutes(const std::shared_ptr<ReadConnections>& reads, PaymentGateway& gateway,
                      Router* router) {
  router->Add(
      "GET", "/payments/{payment_id}",
      [reads, &gateway](const HttpRequest& request) {
        StatusOr<Payment> p = [&] {
          const ReadConnections::Lease db = reads->Acquire();
          return LoadPayment(*db, request.path_params.at("payment_id"));
        }();
        if (!p.ok()) return RequestFailed(request, p.status());
        StatusOr<nlohmann::json> out = PaymentWithLedger(*p, gateway);
        if (!out.ok()) return RequestFailed(request, out.status());
        return JsonResponse(200, *out);
      },
      RouteAccess::kOperator);
  router->Add(
      "GET", "/payments",
      [reads, &gateway](const HttpRequest& request) {
        FieldErrors errors;
        for (const auto& [name, value] : request.query) {
          if (name != "claim_id") {
            errors.push_back(
                {"query." + name, "is not a query parameter of this endpoint (claim_id)"});
          }
        }
        const auto claim = request.query.find("claim_id");
        if (claim == request.query.end() || claim->second.empty()) {
          errors.push_back({"query.claim_id", "is required"});
        }
        if (!errors.empty()) return ValidationFailed(errors);
        StatusOr<std::vector<Payment>> list = [&] {
          const ReadConnections::Lease db = reads->Acquire();
          return PaymentsOfClaim(*db, claim->second);
        }();
        if (!list.ok()) return RequestFailed(request, list.status());
        nlohmann::json out = nlohmann::json::array();
        for (const Payment& p : *list) {
          StatusOr<nlohmann::json> one = PaymentWithLedger(p, gateway);
          if (!one.ok()) return RequestFailed(request, one.status());
          out.push_back(std::move(*one));
        }
        return JsonResponse(200, out);
      },
      RouteAccess::kOperator);
}

constexpr EnumNameTable<GatewayOutcome, 6> kOutcomeNames{{
    {GatewayOutcome::kSettled, "settled"},
    {GatewayOutcome::kDeclined, "declined"},
    {GatewayOutcome::kRefunded, "refunded"},
    {GatewayOutcome::kVoided, "voided"},
    {GatewayOutcome::kTransient, "transient"},
    {GatewayOutcome::kRefused, "refused"},
}};

// The gateway with its answers counted: claims_gateway_outcomes_total{command, outcome}.
class CountingGateway final : public PaymentGateway {
 public:
  CountingGateway(PaymentGateway& gateway, prometheus::Registry& metrics)
      : gateway_(gateway),
        family_(prometheus::BuildCounter()
                    .Name("claims_gateway_outcomes_total")
                    .Help("Payment gateway answers by command and outcome")
                    .Register(metrics)) {}

  std::vector<GatewayResult> Process(std::span<const GatewayRequest> requests) override {
    std::vector<GatewayResult> answers = gateway_.Process(requests);
    for (size_t i = 0; i < answers.size() && i < requests.size(); ++i) {
      family_
          .Add({{"command", std::string(PaymentCommandTypeName(requests[i].type))},
                {"outcome", std::string(EnumName(kOutcomeNames, answers[i].outcome))}})
          .Increment();
    }
    return answers;
  }
  StatusOr<std::optional<LedgerEntry>> Lookup(const std::string& payment_id) override {
    return gateway_.Lookup(payment_id);
  }

 private:
  PaymentGateway& gateway_;
  prometheus::Family<prometheus::Counter>& family_;
};

}  // namespace

struct PaymentService::Parts {
  // Declared in dependency order: destroyed in reverse.
  prometheus::Registry metrics;
  std::unique_ptr<wal::ServiceStorage> storage;
  std::unique_ptr<SimulatedGateway> gateway;
  std::unique_ptr<CountingGateway> counted_gateway;
  std::unique_ptr<PaymentProcessor> processor;
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<ConsumerLoop> consumer_loop;
  Router router;
  std::unique_ptr<HttpServer> server;
  bool stopped = false;
};

std::string PaymentServiceDatabasePath(const std::string& data_dir) {
  return wal::ServiceDatabasePath(data_dir, "payment-service", "payments.sqlite");
}
std::string PaymentServiceWalDir(const std::string& data_dir, const std::string& instance_id) {
  return wal::ServiceWalDir(data_dir, "payment-service", instance_id);
}
std::string DefaultLedgerPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "payment-gateway" / "ledger.sqlite").string();
}

StatusOr<std::unique_ptr<PaymentService>> PaymentService::Start(const PaymentServiceConfig& config,
                                                                const Clock& clock) {
  auto parts = std::make_unique<Parts>();
  wal::ServiceStorageConfig storage_config{"payment-service",
                                           "payments.sqlite",
                                           config.data_dir,
                                           config.instance_id,
                                           PaymentServiceMigrations(),
                                           PaymentServiceTables(),
                                           config.fsync,
                                           config.kafka,
                                           &clock,
                                           config.snapshot_interval,
                                           config.snapshots_keep};
  storage_config.retention = PaymentServiceRetention(config.processed_command_ttl);
  // One read connection per HTTP thread, and two for the consumers and the background work.
  storage_config.read_connections = config.http.threads + 2;
  StatusOr<std::unique_ptr<wal::ServiceStorage>> storage =
      wal::ServiceStorage::Open(storage_config, parts->metrics);
  if (!storage.ok()) return storage.status();
  parts->storage = std::move(*storage);
  wal::ServiceStorage& store = *parts->storage;

  GatewaySettings gateway_settings = config.gateway;
  if (gateway_settings.ledger_path.empty()) {
    gateway_settings.ledger_path = DefaultLedgerPath(config.data_dir);
  }
  CLAIMS_RETURN_IF_ERROR(MakeParentDir(gateway_settings.ledger_path));
  StatusOr<std::unique_ptr<SimulatedGateway>> gateway =
      SimulatedGateway::Open(gateway_settings, clock);
  if (!gateway.ok()) return gateway.status();
  parts->gateway = std::move(*gateway);
  parts->counted_gateway = std::make_unique<CountingGateway>(*parts->gateway, parts->metrics);
  parts->processor =
      std::make_unique<PaymentProcessor>(store.journal(), *parts->counted_gateway, clock,
                                         EventSource{"payment-service", config.instance_id});

  AddPaymentRoutes(store.reads(), *parts->gateway, &parts->router);
  AddOperationalRoutes(store.ReadinessChecks(), parts->metrics, &parts->router);
  store.AddAdminRoutes(&parts->router);
  AddApiDocRoutes(PaymentServiceOpenApi(), config.http.web_dir, &parts->router);

  StatusOr<std::unique_ptr<KafkaConsumer>> consumer = KafkaConsumer::Create(
      config.kafka, std::string(groups::kPaymentService), {std::string(topics::kPaymentCommands)});
  if (!consumer.ok()) return consumer.status();
  parts->consumer = std::move(*consumer);
  ConsumerLoopOptions loop_options;
  loop_options.max_batch = config.max_batch;
  parts->consumer_loop = std::make_unique<ConsumerLoop>(
      *parts->consumer, store.publisher(),
      [p = parts->processor.get()](std::span<const KafkaMessage> batch,
                                   std::vector<OutgoingEvent>* dead) {
        return p->Process(batch, dead);
      },
      loop_options, parts->metrics);

  HttpServerOptions http = config.http;
  http.instance_id = config.instance_id;  // X-Instance-Id: which of N instances answered
  // Every route here is for operators: only the operator key is known (no provider keys).
  if (const Status s = CheckAuthSettings(config.auth); !s.ok()) return s;
  http.auth = std::make_shared<ApiKeyAuthenticator>(config.auth.mode, config.auth.operator_key,
                                                    ApiKeyLookup());
  StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(parts->router, http, parts->metrics);
  if (!server.ok()) return server.status();
  parts->server = std::move(*server);
  Log(LogLevel::kInfo, "payment-service listening",
      {{"address", "http://" + config.http.host + ":" + std::to_string(parts->server->port())},
       {"database", store.database_path()},
       {"wal", store.wal_dir()},
       {"ledger", gateway_settings.ledger_path},
       {"aborted_entries", store.open_report().aborted_entries},
       {"kafka", config.kafka.bootstrap_servers}});
  return std::unique_ptr<PaymentService>(new PaymentService(std::move(parts)));
}

PaymentService::PaymentService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

PaymentService::~PaymentService() { Shutdown(std::chrono::seconds(5)); }

uint16_t PaymentService::port() const { return parts_->server->port(); }
std::vector<Router::RouteInfo> PaymentService::routes() const { return parts_->router.Routes(); }

void PaymentService::Shutdown(std::chrono::milliseconds drain) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->Shutdown(drain);
  parts_->consumer_loop.reset();
  parts_->consumer.reset();
  parts_->storage->Close();
}

}  // namespace claims
