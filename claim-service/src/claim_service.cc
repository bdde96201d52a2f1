#include "claim_service/claim_service.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include <prometheus/gauge.h>

#include "claim_service/claim_routes.h"
#include "claim_service/claim_store.h"
#include "claim_service/dead_letter_routes.h"
#include "claim_service/payment_routes.h"
#include "claim_service/policy_routes.h"
#include "claim_service/policy_service.h"
#include "claim_service/policy_store.h"
#include "claim_service/provider_intake.h"
#include "claim_service/provider_registry.h"
#include "claim_service/provider_routes.h"
#include "claim_service/schema.h"
#include "claim_service/stats_routes.h"
#include "shared/json_log.h"
#include "shared/kafka_admin.h"
#include "shared/kafka_consumer.h"
#include "shared/operational_routes.h"
#include "shared/topic_catalog.h"
#include "shared/web_routes.h"
#include "wal/service_storage.h"

namespace claims {
namespace {

// Looks at claims whose retry time or deadline has come, every `tick`, on its own thread.
class SagaClock {
 public:
  SagaClock(wal::Journal& journal, SagaOrchestrator& saga, std::shared_ptr<ReadConnections> reads,
            const Clock& clock, std::chrono::milliseconds tick)
      : journal_(journal), saga_(saga), reads_(std::move(reads)), clock_(clock), tick_(tick) {
    thread_ = std::thread([this] { Run(); });
  }
  ~SagaClock() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, tick_, [&] { return stop_; })) {
      lock.unlock();
      Tick();
      lock.lock();
    }
  }
  void Tick() {
    const int64_t now_us = UnixMicros(clock_.Now());
    StatusOr<std::vector<std::string>> due = [&] {
      const ReadConnections::Lease db = reads_->Acquire();
      return DueClaimIds(*db, now_us, 2000);
    }();
    if (!due.ok()) {
      Log(LogLevel::kWarn, "saga clock cannot read due claims",
          {{"error", due.status().ToString()}});
      return;
    }
    if (due->empty()) return;
    std::vector<wal::Journal::Command> commands;
    for (const std::string& id : *due) {
      commands.push_back([this, id](wal::JournalTxn& txn) { return saga_.OnDue(txn, id); });
    }
    const std::vector<Status> results = journal_.ExecuteAll(std::move(commands));
    for (size_t i = 0; i < results.size(); ++i) {
      if (!results[i].ok()) {
        Log(LogLevel::kWarn, "saga step for a due claim failed",
            {{"claim_id", (*due)[i]}, {"error", results[i].ToString()}});
      }
    }
  }

  wal::Journal& journal_;
  SagaOrchestrator& saga_;
  std::shared_ptr<ReadConnections> reads_;
  const Clock& clock_;
  const std::chrono::milliseconds tick_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Applies consumed payment-events: each valid result in its own journal command (so one bad
// result cannot hold up the rest), the undecodable ones to payment-events.dlq.
Status ApplyPaymentResults(wal::Journal& journal, SagaOrchestrator& saga,
                           std::span<const KafkaMessage> batch, std::vector<OutgoingEvent>* dead) {
  std::vector<wal::Journal::Command> commands;
  std::vector<const KafkaMessage*> sources;
  for (const KafkaMessage& m : batch) {
    StatusOr<PaymentResult> result = DecodePaymentResult(m.value);
    if (result.ok() && result->claim_id != m.key) {
      result = InvalidArgument("claim_id " + result->claim_id + " differs from the key " + m.key);
    }
    if (!result.ok()) {
      dead->push_back(DeadLetter(m, result.status().message()));
      continue;
    }
    commands.push_back([&saga, r = std::move(*result)](wal::JournalTxn& txn) {
      return saga.OnPaymentResult(txn, r);
    });
    sources.push_back(&m);
  }
  const std::vector<Status> results = journal.ExecuteAll(std::move(commands));
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) continue;
    if (results[i].code() == StatusCode::kUnavailable) return results[i];  // retry the batch
    dead->push_back(DeadLetter(*sources[i], results[i].ToString()));
  }
  return Status::Ok();
}

}  // namespace

namespace {

// claims_saga_claims{state}: the claims in each state, counted in the database when /metrics is
// read (every state answered, 0 for none), at most once a second: counting reads an index of
// every claim (about 60 ms at a million), so scrapes in a loop must not each pay it. A scrape
// while another counts, or within the second, answers the last figures; so does a failed count.
constexpr std::chrono::seconds kRecountClaimsAfter{1};

std::function<void()> ClaimsByStateGauges(std::shared_ptr<ReadConnections> reads,
                                          prometheus::Registry& metrics) {
  auto& family = prometheus::BuildGauge()
                     .Name("claims_saga_claims")
                     .Help("Claims in each saga state (counted when scraped)")
                     .Register(metrics);
  std::map<std::string, prometheus::Gauge*> gauges;
  for (ClaimState state : AllClaimStates()) {
    const std::string name(ClaimStateName(state));
    gauges[name] = &family.Add({{"state", name}});
  }
  struct LastCount {
    std::mutex mu;
    std::chrono::steady_clock::time_point at;  // guarded by mu
    bool done = false;                         // guarded by mu
  };
  auto last = std::make_shared<LastCount>();
  return [reads = std::move(reads), gauges = std::move(gauges), last] {
    std::unique_lock lock(last->mu, std::try_to_lock);
    if (!lock.owns_lock()) return;
    const auto now = std::chrono::steady_clock::now();
    if (last->done && now - last->at < kRecountClaimsAfter) return;
    last->at = now;
    last->done = true;
    StatusOr<std::map<std::string, int64_t>> counts = [&] {
      const ReadConnections::Lease db = reads->Acquire();
      return CountClaimsByState(*db);
    }();
    if (!counts.ok()) return;
    for (const auto& [state, gauge] : gauges) {
      const auto it = counts->find(state);
      gauge->Set(it == counts->end() ? 0.0 : static_cast<double>(it->second));
    }
  };
}

}  // namespace

struct ClaimService::Parts {
  // Declared in dependency order: destroyed in reverse, so users stop before what they use.
  prometheus::Registry metrics;
  std::unique_ptr<wal::ServiceStorage> storage;
  std::unique_ptr<SagaOrchestrator> saga;
  std::unique_ptr<PolicyStore> policies;
  std::unique_ptr<PolicyService> policy_service;
  std::unique_ptr<RateLimiter> top_providers_limit;
  std::unique_ptr<KafkaConsumer> consumer;
  std::unique_ptr<ConsumerLoop> consumer_loop;
  std::unique_ptr<KafkaConsumer> intake_consumer;
  std::unique_ptr<ConsumerLoop> intake_loop;
  std::unique_ptr<SagaClock> saga_clock;
  Router router;
  std::unique_ptr<HttpServer> server;
  bool stopped = false;
};

std::string ClaimServiceDatabasePath(const std::string& data_dir) {
  return wal::ServiceDatabasePath(data_dir, "claim-service", "claims.sqlite");
}

std::string ClaimServiceWalDir(const std::string& data_dir, const std::string& instance_id) {
  return wal::ServiceWalDir(data_dir, "claim-service", instance_id);
}

StatusOr<std::unique_ptr<ClaimService>> ClaimService::Start(const ClaimServiceConfig& config,
                                                            const Clock& clock) {
  auto parts = std::make_unique<Parts>();
  wal::ServiceStorageConfig storage_config{"claim-service",
                                           "claims.sqlite",
                                           config.data_dir,
                                           config.instance_id,
                                           ClaimServiceMigrations(),
                                           ClaimServiceTables(),
                                           config.fsync,
                                           config.kafka,
                                           &clock,
                                           config.snapshot_interval,
                                           config.snapshots_keep};
  storage_config.retention =
      ClaimServiceRetention(config.idempotency_key_ttl, config.processed_event_ttl);
  // One read connection per HTTP thread, and two for the consumers and the background work.
  storage_config.read_connections = config.http.threads + 2;
  StatusOr<std::unique_ptr<wal::ServiceStorage>> storage =
      wal::ServiceStorage::Open(storage_config, parts->metrics);
  if (!storage.ok()) return storage.status();
  parts->storage = std::move(*storage);
  wal::ServiceStorage& store = *parts->storage;

  const EventSource source{"claim-service", config.instance_id};
  parts->saga = std::make_unique<SagaOrchestrator>(config.saga, clock, source, parts->metrics);
  parts->policies = std::make_unique<PolicyStore>(store.reads());
  parts->policy_service =
      std::make_unique<PolicyService>(store.journal(), *parts->policies, clock, source);
  parts->top_providers_limit =
      std::make_unique<RateLimiter>(std::max(1, config.top_providers_per_minute), clock);
  AddPolicyRoutes(*parts->policy_service, store.journal(), *store.reads(), clock, &parts->router);
  const ClaimRouteDeps claim_deps{&store.journal(), parts->saga.get(), store.reads(),
                                  parts->top_providers_limit.get(), &clock};
  AddClaimRoutes(claim_deps, &parts->router);
  AddProviderRoutes({&store.journal(), store.reads(), &clock,
                     [kafka = config.kafka,
                      timeout = config.topic_creation_timeout](const std::string& provider) {
                       return EnsureTopics(kafka, ProviderTopics(provider), timeout);
                     }},
                    &parts->router);
  AddOperationalRoutes(store.ReadinessChecks(), parts->metrics, &parts->router,
                       ClaimsByStateGauges(store.reads(), parts->metrics));
  AddEventStatsRoutes(config.kafka, &parts->router);
  AddDeadLetterRoutes(config.kafka, &parts->router);
  AddPaymentRoutes(store.reads(), config.payments, &parts->router);
  store.AddAdminRoutes(&parts->router);
  AddApiDocRoutes(ClaimServiceOpenApi(), config.http.web_dir, &parts->router);
  AddConsoleRoutes(config.http.web_dir, &parts->router);

  StatusOr<std::unique_ptr<KafkaConsumer>> consumer = KafkaConsumer::Create(
      config.kafka, std::string(groups::kClaimService), {std::string(topics::kPaymentEvents)});
  if (!consumer.ok()) return consumer.status();
  parts->consumer = std::move(*consumer);
  parts->consumer_loop = std::make_unique<ConsumerLoop>(
      *parts->consumer, store.publisher(),
      [j = &store.journal(), s = parts->saga.get()](std::span<const KafkaMessage> batch,
                                                    std::vector<OutgoingEvent>* dead) {
        return ApplyPaymentResults(*j, *s, batch, dead);
      },
      ConsumerLoopOptions{}, parts->metrics);
  // The providers' claim topics, by pattern; new topics show within a metadata refresh.
  KafkaSettings intake_kafka = config.kafka;
  intake_kafka.properties.insert(intake_kafka.properties.begin(),
                                 {"topic.metadata.refresh.interval.ms", "5000"});
  StatusOr<std::unique_ptr<KafkaConsumer>> intake =
      KafkaConsumer::Create(intake_kafka, std::string(groups::kClaimServiceIntake),
                            {std::string(kProviderSubmittedPattern)});
  if (!intake.ok()) return intake.status();
  parts->intake_consumer = std::move(*intake);
  parts->intake_loop = std::make_unique<ConsumerLoop>(
      *parts->intake_consumer, store.publisher(),
      [claim_deps, kafka = config.kafka, timeout = config.topic_creation_timeout](
          std::span<const KafkaMessage> batch, std::vector<OutgoingEvent>* dead) {
        const auto create = [&](const std::string& topic) {
          return EnsureTopics(kafka, {{topic, 1}}, timeout).status();
        };
        return ApplyProviderSubmissions(claim_deps, create, batch, dead);
      },
      ConsumerLoopOptions{}, parts->metrics);
  parts->saga_clock = std::make_unique<SagaClock>(store.journal(), *parts->saga, store.reads(),
                                                  clock, config.saga_tick);

  HttpServerOptions http = config.http;
  http.instance_id = config.instance_id;  // X-Instance-Id: which of N instances answered
  if (const Status s = CheckAuthSettings(config.auth); !s.ok()) return s;
  http.auth =
      std::make_shared<ApiKeyAuthenticator>(config.auth.mode, config.auth.operator_key,
                                            [reads = store.reads()](const std::string& key_id) {
                                              const ReadConnections::Lease db = reads->Acquire();
                                              return LoadApiKey(*db, key_id);
                                            });
  StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(parts->router, http, parts->metrics);
  if (!server.ok()) return server.status();
  parts->server = std::move(*server);
  Log(LogLevel::kInfo, "claim-service listening",
      {{"address", "http://" + config.http.host + ":" + std::to_string(parts->server->port())},
       {"database", store.database_path()},
       {"wal", store.wal_dir()},
       {"wal_last_lsn", store.open_report().log.last_lsn},
       {"aborted_entries", store.open_report().aborted_entries},
       {"kafka", config.kafka.bootstrap_servers},
       {"auth", AuthModeName(config.auth.mode)}});
  return std::unique_ptr<ClaimService>(new ClaimService(std::move(parts)));
}

ClaimService::ClaimService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

ClaimService::~ClaimService() { Shutdown(std::chrono::seconds(5)); }

uint16_t ClaimService::port() const { return parts_->server->port(); }
std::vector<Router::RouteInfo> ClaimService::routes() const { return parts_->router.Routes(); }

void ClaimService::Shutdown(std::chrono::milliseconds drain) {
  if (parts_->stopped) return;
  parts_->stopped = true;
  parts_->server->Shutdown(drain);
  parts_->saga_clock.reset();
  parts_->consumer_loop.reset();
  parts_->consumer.reset();
  parts_->intake_loop.reset();
  parts_->intake_consumer.reset();
  parts_->storage->Close();
}

}  // namespace claims
