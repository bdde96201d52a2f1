// The payment gateway, as payment-service sees it: narrow, so the service is tested with a fake
// and run with the simulator. SimulatedGateway behaves like a card/bank gateway: every request
// carries the payment's idempotency key (payment_id); its ledger (one SQLite file shared by all
// payment-service instances) records each charge once, so a charge is never made twice,
// whichever instance retries it. Ledger schema and rules: payment-service/docs/gateway.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "shared/clock.h"
#include "shared/payment_messages.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"

namespace claims {

struct GatewayRequest {
  PaymentCommandType type = PaymentCommandType::kPaymentRequested;
  std::string payment_id;  // the idempotency key
  std::string claim_id;
  int64_t amount_cents = 0;
  std::string provider_npi;
};

enum class GatewayOutcome {
  kSettled,    // the charge is (or already was) settled
  kDeclined,   // the charge is (or already was) declined; reason says why
  kRefunded,   // the settled charge is (or already was) refunded
  kVoided,     // the charge is (or already was) voided before settling
  kTransient,  // the gateway failed before deciding anything; the same request may be retried
  kRefused,    // the request cannot succeed (refund of nothing, amount differs from the key's)
};

struct GatewayResult {
  GatewayOutcome outcome = GatewayOutcome::kTransient;
  std::string reason;
  int64_t amount_cents = 0;  // the ledger's amount for the payment
};

// What the gateway's ledger holds for one payment (its idempotency key), as operators read it.
struct LedgerEntry {
  std::string payment_id;
  std::string claim_id;
  int64_t amount_cents = 0;
  std::string status;  // SETTLED, DECLINED, REFUNDED, VOIDED
  std::string reason;
  std::string created_at;
  std::string updated_at;
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  // Answers each request, in order. Requests of one call are in flight together (one latency
  // and one durable ledger write for all). Thread-safe.
  virtual std::vector<GatewayResult> Process(std::span<const GatewayRequest> requests) = 0;
  // The ledger's entry for `payment_id`; nullopt when the gateway has none (never charged, or
  // not yet). Changes nothing, never fails transiently on purpose. Thread-safe.
  // Errors: kUnavailable when the ledger cannot be read.
  virtual StatusOr<std::optional<LedgerEntry>> Lookup(const std::string& payment_id) = 0;
};

struct GatewaySettings {
  std::string ledger_path;              // the shared ledger's SQLite file
  std::set<std::string> declined_npis;  // charges for these providers are declined
  int64_t max_amount_cents = 0;         // charges above are declined; 0: no limit
  double transient_failure_rate = 0.0;  // of requests, from 0 to 1
  // Requests of these types always fail transiently (that part of the gateway is down: a drill
  // for refunds that cannot be made, which park claims in COMPENSATION_FAILED).
  std::set<PaymentCommandType> failing_commands;
  std::chrono::milliseconds latency{0};  // per Process call
  uint64_t seed = 0;                     // 0: from the system
};

class SimulatedGateway final : public PaymentGateway {
 public:
  // Opens (creating) the ledger. Errors: the file cannot be opened.
  static StatusOr<std::unique_ptr<SimulatedGateway>> Open(const GatewaySettings& settings,
                                                          const Clock& clock);
  std::vector<GatewayResult> Process(std::span<const GatewayRequest> requests) override;
  StatusOr<std::optional<LedgerEntry>> Lookup(const std::string& payment_id) override;

 private:
  SimulatedGateway(GatewaySettings settings, const Clock& clock);
  GatewayResult Decide(SqliteDatabase& db, const GatewayRequest& request);

  const GatewaySettings settings_;
  const Clock& clock_;
  std::mutex mu_;  // guards the members below
  std::unique_ptr<SqliteDatabase> ledger_;
  std::mt19937_64 rng_;
};

// The ledger's migrations, for tools and tests that open it.
std::span<const Migration> LedgerMigrations();

}  // namespace claims
