// payment-service: reads its configuration (flags, or the environment variables named beside
// them), starts one instance and runs until SIGINT or SIGTERM. See README.md "Configuration".
#include <optional>
#include <sstream>

#include "payment_service/payment_service.h"
#include "shared/service_main.h"
#include "wal/service_storage.h"

int main(int argc, char** argv) {
  claims::BlockTerminationSignals();
  claims::PaymentServiceConfig config;
  config.http.port = 0;
  claims::CommonFlags flags;
  CLI::App app{"payment-service: pays claims through the gateway simulator"};
  claims::AddCommonFlags(app, "PAYMENT_SERVICE", &config.http, &config.data_dir, &config.kafka,
                         &config.instance_id, &flags);
  claims::GatewaySettings& g = config.gateway;
  app.add_option("--ledger", g.ledger_path,
                 "The gateway's shared ledger (default <data-dir>/payment-gateway/ledger.sqlite)")
      ->envname("GATEWAY_LEDGER");
  std::string declined;
  app.add_option("--declined-npis", declined, "Comma-separated provider NPIs the gateway declines")
      ->envname("GATEWAY_DECLINED_NPIS");
  std::string max_amount;
  app.add_option("--max-amount", max_amount, "Charges above this amount are declined (\"5000.00\")")
      ->envname("GATEWAY_MAX_AMOUNT");
  app.add_option("--transient-failure-rate", g.transient_failure_rate,
                 "Share of gateway requests that fail transiently, 0 to 1")
      ->envname("GATEWAY_TRANSIENT_FAILURE_RATE")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  std::string failing;
  app.add_option("--failing-commands", failing,
                 "Comma-separated command types the gateway always fails transiently "
                 "(PAYMENT_REQUESTED, REFUND_REQUESTED, VOID_REQUESTED): an outage drill")
      ->envname("GATEWAY_FAILING_COMMANDS");
  int latency_ms = 0;
  app.add_option("--latency-ms", latency_ms, "Gateway latency per call")
      ->envname("GATEWAY_LATENCY_MS")
      ->check(CLI::Range(0, 60000))
      ->capture_default_str();
  app.add_option("--seed", g.seed, "Seed of the simulated failures (0: random)")
      ->envname("GATEWAY_SEED")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  wal::ParseFsyncPolicy(flags.fsync, &config.fsync);
  config.snapshot_interval = std::chrono::seconds(flags.snapshot_interval_s);
  config.snapshots_keep = flags.snapshots_keep;
  g.latency = std::chrono::milliseconds(latency_ms);
  std::stringstream npis(declined);
  for (std::string npi; std::getline(npis, npi, ',');) {
    if (!npi.empty()) g.declined_npis.insert(npi);
  }
  std::stringstream failing_types(failing);
  for (std::string name; std::getline(failing_types, name, ',');) {
    if (name.empty()) continue;
    std::optional<claims::PaymentCommandType> type;
    for (const auto t : {claims::PaymentCommandType::kPaymentRequested,
                         claims::PaymentCommandType::kRefundRequested,
                         claims::PaymentCommandType::kVoidRequested}) {
      if (claims::PaymentCommandTypeName(t) == name) type = t;
    }
    if (!type) {
      std::cerr << "payment-service: --failing-commands: not a command type: " << name
                << " (PAYMENT_REQUESTED, REFUND_REQUESTED, VOID_REQUESTED)\n";
      return 2;
    }
    g.failing_commands.insert(*type);
  }
  if (!max_amount.empty()) {
    claims::StatusOr<claims::Money> limit = claims::Money::Parse(max_amount);
    if (!limit.ok() || limit->cents() < 0) {
      std::cerr << "payment-service: --max-amount: not an amount: " << max_amount << "\n";
      return 2;
    }
    g.max_amount_cents = limit->cents();
  }
  auto instance_slot =
      wal::ResolveInstanceId(config.data_dir, "payment-service", "payment", &config.instance_id);
  if (!instance_slot.ok()) {
    std::cerr << "payment-service: --instance-id auto: " << instance_slot.status().ToString()
              << "\n";
    return 2;
  }
  if (!claims::ResolveCommonFlags("payment-service", config.instance_id, config.data_dir,
                                  config.http.host, flags, &config.kafka, &config.auth)) {
    return 2;
  }
  claims::SystemClock clock;
  auto service = claims::PaymentService::Start(config, clock);
  if (!service.ok()) {
    claims::Log(claims::LogLevel::kError, "payment-service failed to start",
                {{"error", service.status().ToString()}});
    return 1;
  }
  return claims::ServeUntilSignal("payment-service", **service, flags);
}
