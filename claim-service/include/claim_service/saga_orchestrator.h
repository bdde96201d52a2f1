// SagaOrchestrator: drives claims through the transition table (claim_saga.h). Every method
// runs inside a journal command, so the claim's new state, its history line, the coverage
// books, the claim event and any payment command are one WAL entry: all durable, then all
// applied, or none. Diagram and rules: claim-service/docs/saga.md.
//
// Retries: a command that failed transiently (PAYMENT_ATTEMPT_FAILED) is sent again after an
// exponential backoff with jitter; one that got no answer within `answer_timeout` is sent again
// and waited for twice as long each time (up to `backoff_cap`). A payment is retried
// until its deadline, then voided; a refund or void is tried `max_compensation_attempts` times,
// then the claim is parked in COMPENSATION_FAILED for an operator.
//
// Thread-safety: methods may be called from any thread (the journal runs them one at a time).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "claim_service/claim_store.h"
#include "shared/clock.h"
#include "shared/event_envelope.h"
#include "shared/payment_messages.h"
#include "wal/journal.h"

namespace claims {

struct SagaSettings {
  std::chrono::milliseconds payment_deadline{30000};  // from submission to settlement
  std::chrono::milliseconds answer_timeout{5000};     // no answer: send again (doubling each time)
  std::chrono::milliseconds backoff_base{200};        // first retry after a transient failure
  std::chrono::milliseconds backoff_cap{30000};       // the longest wait between two sendings
  int max_compensation_attempts = 5;
  uint64_t jitter_seed = 0;  // 0: seeded from the system
};

class SagaOrchestrator {
 public:
  // `clock` must outlive the orchestrator.
  SagaOrchestrator(SagaSettings settings, const Clock& clock, EventSource source,
                   prometheus::Registry& metrics);

  // Stores each claim (SUBMITTED), checks its policy and moves it on: REJECTED with the reason,
  // or RESERVED and PAYMENT_REQUESTED with the payment command. Returns the stored claims.
  // Claims of a `provider` belong to it, and each of their changes is also published to its
  // "<provider>-claim.updated" topic.
  StatusOr<std::vector<Claim>> Submit(wal::JournalTxn& txn,
                                      const std::vector<ClaimSubmission>& submissions,
                                      const std::optional<std::string>& provider);
  // Errors: kNotFound; kConflict when the claim's state cannot be cancelled (the message says
  // which state and what can be done).
  StatusOr<Claim> Cancel(wal::JournalTxn& txn, const std::string& claim_id);
  // An operator's retry of a COMPENSATION_FAILED claim. Errors: kNotFound, kConflict.
  StatusOr<Claim> Retry(wal::JournalTxn& txn, const std::string& claim_id);
  // Applies a payment-service result once (by event id). Results that no longer fit the
  // claim's state (late, duplicate, for an unknown claim) are recorded and change nothing.
  Status OnPaymentResult(wal::JournalTxn& txn, const PaymentResult& result);
  // Acts on a claim whose next_check time has come: a retry, a deadline or an exhausted
  // compensation. Nothing if the time has not come.
  Status OnDue(wal::JournalTxn& txn, const std::string& claim_id);

  // The delay before retry number `attempt` (1-based): base * 2^(attempt-1), capped, then a
  // uniformly random point in its upper half.
  std::chrono::milliseconds Backoff(int attempt);

 private:
  // Moves `claim` by `event`: effects, history line, claim event and (unless `write_row` is
  // false, for a step followed by another in the same command) the claim's row. `result` is the
  // payment result the step takes, if any (its history line records it).
  Status Apply(wal::JournalTxn& txn, Claim& claim, SagaEvent event, const std::string& cause,
               bool write_row = true, const PaymentResult* result = nullptr);
  Status AdjustCoverage(wal::JournalTxn& txn, const Claim& claim, int64_t reserved_delta,
                        int64_t paid_delta);
  // Emits the command and returns what the history line records of it.
  nlohmann::json SendCommand(wal::JournalTxn& txn, Claim& claim, PaymentCommandType type,
                             bool resend, int64_t now_us);
  // Why `claim` cannot be paid under its policy, or "" if it can.
  StatusOr<std::string> CheckPolicy(wal::JournalTxn& txn, Claim& claim);

  const SagaSettings settings_;
  const Clock& clock_;
  const EventSource source_;
  prometheus::Counter& stale_results_;
  prometheus::Counter& compensation_failures_;
  prometheus::Histogram& terminal_latency_;  // submission to each terminal state reached

  std::mutex rng_mu_;  // guards rng_
  std::mt19937_64 rng_;
};

}  // namespace claims
