// claim-service: reads its configuration (flags, or the environment variables named beside
// them), starts the service and runs until SIGINT or SIGTERM. See README.md "Configuration".
#include "claim_service/claim_service.h"
#include "shared/service_main.h"
#include "wal/service_storage.h"

int main(int argc, char** argv) {
  claims::BlockTerminationSignals();
  claims::ClaimServiceConfig config;
  claims::CommonFlags flags;
  CLI::App app{"claim-service: the policy API, claims API and saga orchestrator"};
  claims::AddCommonFlags(app, "CLAIM_SERVICE", &config.http, &config.data_dir, &config.kafka,
                         &config.instance_id, &flags);
  int deadline_ms = static_cast<int>(config.saga.payment_deadline.count());
  app.add_option("--payment-deadline-ms", deadline_ms,
                 "A claim's payment must settle this long after submission, or it is voided")
      ->envname("PAYMENT_DEADLINE_MS")
      ->check(CLI::Range(100, 86400000))
      ->capture_default_str();
  int answer_ms = static_cast<int>(config.saga.answer_timeout.count());
  app.add_option("--answer-timeout-ms", answer_ms,
                 "A payment command with no answer this long is sent again")
      ->envname("ANSWER_TIMEOUT_MS")
      ->check(CLI::Range(10, 3600000))
      ->capture_default_str();
  int backoff_ms = static_cast<int>(config.saga.backoff_base.count());
  app.add_option("--retry-backoff-ms", backoff_ms,
                 "First retry delay after a transient failure (doubles, with jitter)")
      ->envname("RETRY_BACKOFF_MS")
      ->check(CLI::Range(1, 600000))
      ->capture_default_str();
  app.add_option("--max-compensation-attempts", config.saga.max_compensation_attempts,
                 "Refund or void attempts before a claim is parked in COMPENSATION_FAILED")
      ->envname("MAX_COMPENSATION_ATTEMPTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  int idempotency_ttl_h = static_cast<int>(config.idempotency_key_ttl.count() / 3600);
  app.add_option("--idempotency-key-ttl-h", idempotency_ttl_h,
                 "Hours an Idempotency-Key's first answer is kept and replayed")
      ->envname("IDEMPOTENCY_KEY_TTL_H")
      ->check(CLI::Range(1, 24 * 365))
      ->capture_default_str();
  app.add_option("--top-providers-per-minute", config.top_providers_per_minute,
                 "GET /top-provider-npis requests allowed per minute per client")
      ->envname("TOP_PROVIDERS_PER_MINUTE")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--payment-service-url", config.payments.payment_service_urls,
                 "payment-service address(es), comma-separated, tried in turn by GET "
                 "/claims/{id}/payments (the console's payments)")
      ->envname("PAYMENT_SERVICE_URL")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  wal::ParseFsyncPolicy(flags.fsync, &config.fsync);
  config.snapshot_interval = std::chrono::seconds(flags.snapshot_interval_s);
  config.snapshots_keep = flags.snapshots_keep;
  config.saga.payment_deadline = std::chrono::milliseconds(deadline_ms);
  config.saga.answer_timeout = std::chrono::milliseconds(answer_ms);
  config.saga.backoff_base = std::chrono::milliseconds(backoff_ms);
  config.idempotency_key_ttl = std::chrono::hours(idempotency_ttl_h);
  auto instance_slot =
      wal::ResolveInstanceId(config.data_dir, "claim-service", "claim", &config.instance_id);
  if (!instance_slot.ok()) {
    std::cerr << "claim-service: --instance-id auto: " << instance_slot.status().ToString() << "\n";
    return 2;
  }
  if (!claims::ResolveCommonFlags("claim-service", config.instance_id, config.data_dir,
                                  config.http.host, flags, &config.kafka, &config.auth)) {
    return 2;
  }
  claims::SystemClock clock;
  auto service = claims::ClaimService::Start(config, clock);
  if (!service.ok()) {
    claims::Log(claims::LogLevel::kError, "claim-service failed to start",
                {{"error", service.status().ToString()}});
    return 1;
  }
  return claims::ServeUntilSignal("claim-service", **service, flags);
}
