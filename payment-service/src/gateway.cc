#include "payment_service/gateway.h"

#include <array>
#include <thread>

#include "shared/money.h"

namespace claims {
namespace {

// One row per payment (idempotency key); at most one per claim, so a claim is charged at most
// once. status: SETTLED, DECLINED, REFUNDED, VOIDED.
constexpr std::array<Migration, 1> kLedgerMigrations{{
    {1, R"sql(
CREATE TABLE charges (
  payment_id   TEXT PRIMARY KEY,
  claim_id     TEXT NOT NULL UNIQUE,
  amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
  status       TEXT NOT NULL,
  reason       TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
)sql"},
}};

struct Charge {
  bool exists = false;
  std::string claim_id;
  int64_t amount_cents = 0;
  std::string status;
  std::string reason;
};

StatusOr<Charge> LoadCharge(SqliteDatabase& db, const std::string& payment_id) {
  StatusOr<SqliteStatement*> s = db.Prepare(
      "SELECT claim_id, amount_cents, status, reason FROM charges WHERE payment_id = ?1");
  if (!s.ok()) return s.status();
  (*s)->Bind(1, std::string_view(payment_id));
  StatusOr<bool> row = (*s)->Step();
  Charge c;
  if (row.ok() && *row) {
    c.exists = true;
    c.claim_id = (*s)->ColumnText(0);
    c.amount_cents = (*s)->ColumnInt(1);
    c.status = (*s)->ColumnText(2);
    c.reason = (*s)->ColumnOptionalText(3).value_or("");
  }
  (*s)->Reset();
  if (!row.ok()) return row.status();
  return c;
}

GatewayResult FromCharge(const Charge& c) {
  GatewayResult r;
  r.amount_cents = c.amount_cents;
  r.reason = c.reason;
  if (c.status == "SETTLED") r.outcome = GatewayOutcome::kSettled;
  if (c.status == "DECLINED") r.outcome = GatewayOutcome::kDeclined;
  if (c.status == "REFUNDED") r.outcome = GatewayOutcome::kRefunded;
  if (c.status == "VOIDED") r.outcome = GatewayOutcome::kVoided;
  return r;
}

}  // namespace

std::span<const Migration> LedgerMigrations() { return kLedgerMigrations; }

SimulatedGateway::SimulatedGateway(GatewaySettings settings, const Clock& clock)
    : settings_(std::move(settings)),
      clock_(clock),
      rng_(settings_.seed != 0 ? settings_.seed : std::random_device()()) {}

StatusOr<std::unique_ptr<SimulatedGateway>> SimulatedGateway::Open(const GatewaySettings& settings,
                                                                   const Clock& clock) {
  std::unique_ptr<SimulatedGateway> gateway(new SimulatedGateway(settings, clock));
  StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Open(settings.ledger_path);
  if (!db.ok()) return db.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(kLedgerMigrations));
  gateway->ledger_ = std::move(*db);
  return gateway;
}

GatewayResult SimulatedGateway::Decide(SqliteDatabase& db, const GatewayRequest& request) {
  StatusOr<Charge> charge = LoadCharge(db, request.payment_id);
  if (!charge.ok()) return {GatewayOutcome::kTransient, charge.status().message(), 0};
  const std::string now = FormatRfc3339(clock_.Now());
  auto write = [&](const std::string& status, const std::string& reason) -> Status {
    StatusOr<SqliteStatement*> s = db.Prepare(
        "INSERT INTO charges (payment_id, claim_id, amount_cents, status, reason, created_at, "
        "updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT(payment_id) DO UPDATE SET "
        "status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at");
    if (!s.ok()) return s.status();
    (*s)->Bind(1, std::string_view(request.payment_id))
        .Bind(2, std::string_view(request.claim_id))
        .Bind(3, request.amount_cents)
        .Bind(4, std::string_view(status))
        .Bind(5, std::string_view(reason))
        .Bind(6, std::string_view(now));
    Status run = (*s)->Run();
    (*s)->Reset();
    return run;
  };
  auto settle = [&](const std::string& status, const std::string& reason) -> GatewayResult {
    const Status w = write(status, reason);
    if (w.code() == StatusCode::kConflict) {
      return {GatewayOutcome::kRefused, "claim " + request.claim_id + " already has a charge", 0};
    }
    if (!w.ok()) return {GatewayOutcome::kTransient, w.message(), 0};
    Charge c{true, request.claim_id, request.amount_cents, status, reason};
    return FromCharge(c);
  };

  switch (request.type) {
    case PaymentCommandType::kPaymentRequested: {
      if (charge->exists) {
        if (charge->amount_cents != request.amount_cents) {
          return {GatewayOutcome::kRefused,
                  "idempotency key " + request.payment_id + " was used with amount " +
                      Money::FromCents(charge->amount_cents).ToString(),
                  charge->amount_cents};
        }
        return FromCharge(*charge);  // the same key again: the first result
      }
      if (settings_.declined_npis.count(request.provider_npi) != 0) {
        return settle("DECLINED", "provider " + request.provider_npi + " is blocked");
      }
      if (settings_.max_amount_cents > 0 && request.amount_cents > settings_.max_amount_cents) {
        return settle("DECLINED", "amount over the limit of " +
                                      Money::FromCents(settings_.max_amount_cents).ToString());
      }
      return settle("SETTLED", "");
    }
    case PaymentCommandType::kRefundRequested: {
      if (!charge->exists || (charge->status != "SETTLED" && charge->status != "REFUNDED")) {
        return {GatewayOutcome::kRefused, "nothing settled to refund", charge->amount_cents};
      }
      if (charge->status == "REFUNDED") return FromCharge(*charge);
      return settle("REFUNDED", "");
    }
    case PaymentCommandType::kVoidRequested: {
      // Settled (or refunded) charges cannot be voided: the answer tells what happened instead.
      if (charge->exists) return FromCharge(*charge);
      return settle("VOIDED", "voided before settlement");
    }
  }
  return {GatewayOutcome::kRefused, "unknown request", 0};
}

std::vector<GatewayResult> SimulatedGateway::Process(std::span<const GatewayRequest> requests) {
  if (settings_.latency.count() > 0) std::this_thread::sleep_for(settings_.latency);
  std::vector<GatewayResult> results(requests.size());
  std::lock_guard lock(mu_);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<bool> failed(requests.size(), false);
  std::vector<bool> down(requests.size(), false);
  for (size_t i = 0; i < requests.size(); ++i) {
    failed[i] =
        settings_.transient_failure_rate > 0 && coin(rng_) < settings_.transient_failure_rate;
    down[i] = settings_.failing_commands.count(requests[i].type) != 0;
  }
  const Status done = ledger_->InTransaction([&]() -> Status {
    for (size_t i = 0; i < requests.size(); ++i) {
      if (down[i]) {
        results[i] = {GatewayOutcome::kTransient,
                      "simulated outage of " +
                          std::string(PaymentCommandTypeName(requests[i].type)) +
                          " (--failing-commands)",
                      0};
      } else {
        results[i] = failed[i] ? GatewayResult{GatewayOutcome::kTransient,
                                               "simulated gateway failure (try again)", 0}
                               : Decide(*ledger_, requests[i]);
      }
    }
    return Status::Ok();
  });
  if (!done.ok()) {
    for (GatewayResult& r : results) {
      r = {GatewayOutcome::kTransient, "ledger unavailable: " + done.message(), 0};
    }
  }
  return results;
}

StatusOr<std::optional<LedgerEntry>> SimulatedGateway::Lookup(const std::string& payment_id) {
  std::lock_guard lock(mu_);
  StatusOr<SqliteStatement*> s = ledger_->Prepare(
      "SELECT claim_id, amount_cents, status, reason, created_at, updated_at FROM charges WHERE "
      "payment_id = ?1");
  if (!s.ok()) return Unavailable("the gateway's ledger cannot be read: " + s.status().message());
  (*s)->Bind(1, std::string_view(payment_id));
  StatusOr<bool> row = (*s)->Step();
  std::optional<LedgerEntry> entry;
  if (row.ok() && *row) {
    entry = LedgerEntry{payment_id,
                        (*s)->ColumnText(0),
                        (*s)->ColumnInt(1),
                        (*s)->ColumnText(2),
                        (*s)->ColumnOptionalText(3).value_or(""),
                        (*s)->ColumnText(4),
                        (*s)->ColumnText(5)};
  }
  (*s)->Reset();
  if (!row.ok())
    return Unavailable("the gateway's ledger cannot be read: " + row.status().message());
  return entry;
}

}  // namespace claims
