// The claim saga as one explicit transition table (diagram: claim-service/docs/saga.md).
// Pure: no I/O. The orchestrator looks up (state, event); a pair not in the table is refused.
// Each allowed transition names the effects the orchestrator must carry out, in the same durable
// step that records the new state.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace claims {

enum class ClaimState {
  kSubmitted,
  kRejected,            // terminal: policy check failed (no policy, not active, out of term,
                        // over the remaining coverage)
  kReserved,            // coverage reserved for the net fee
  kPaymentRequested,    // PaymentRequested sent to payment-service
  kPaid,                // terminal, unless cancelled later
  kPaymentFailed,       // terminal: declined (or failed for good); reservation released
  kReversalRequested,   // RefundRequested sent
  kReversed,            // terminal: refunded, coverage restored
  kVoidRequested,       // VoidRequested sent (deadline passed, or cancelled before settlement)
  kVoided,              // terminal: voided before settlement; reservation released
  kCompensationFailed,  // terminal until an operator retries: a refund or void kept failing
};

enum class SagaEvent {
  kPolicyCheckFailed,      // the claim cannot be paid under its policy
  kPolicyCheckPassed,      // the policy exists, is active, covers the date, has room for the fee
  kPaymentRequested,       // the payment command was recorded for publication
  kPaymentSettled,         // payment-service: the charge settled
  kPaymentDeclined,        // payment-service: the charge was declined (or failed permanently)
  kDeadlinePassed,         // no answer from payment-service within the claim's deadline
  kCancelRequested,        // a client asked to cancel the claim
  kRefunded,               // payment-service: the refund went through
  kVoided,                 // payment-service: the charge was voided before settling
  kCompensationExhausted,  // a refund or void failed past its retries
  kRetryRefund,            // an operator retries a failed refund
  kRetryVoid,              // an operator retries a failed void
  kAttemptFailed,          // payment-service: the command failed transiently; retry later
  kRetryDue,               // a retry's time came, or the command got no answer in time
};

// What the orchestrator must do along with a transition.
enum class SagaEffect {
  kReserveCoverage,     // the net fee is taken from the policy's remaining coverage
  kSendPaymentCommand,  // PaymentRequested to payment-commands
  kSendVoidCommand,     // VoidRequested to payment-commands
  kSendRefundCommand,   // RefundRequested to payment-commands
  kReleaseReservation,  // the reserved amount goes back to the policy's remaining coverage
  kConvertReservation,  // the reserved amount becomes paid (coverage stays used)
  kRestoreCoverage,     // the paid amount goes back to the policy's remaining coverage
  kAlertOperator,       // log and count: the claim needs an operator
  kScheduleRetry,       // the command is sent again after an exponential backoff with jitter
};

struct SagaTransition {
  ClaimState from;
  SagaEvent event;
  ClaimState to;
  std::vector<SagaEffect> effects;
};

// The whole table, in a fixed order.
std::span<const SagaTransition> SagaTransitions();

// The transition for (state, event), or nullptr when the event is refused in that state.
const SagaTransition* FindSagaTransition(ClaimState state, SagaEvent event);

// COMPENSATION_FAILED is one state for both compensations, so the claim must record the state
// its compensation failed in (REVERSAL_REQUESTED or VOID_REQUESTED). An operator's retry must be
// RetryFor(that state): retrying a refund after a failed void would restore coverage that was
// never paid. Returns kRetryRefund or kRetryVoid; nullopt for any other state.
std::optional<SagaEvent> RetryFor(ClaimState failed_in);

// The brief's terminal states: PAID, REJECTED, PAYMENT_FAILED, REVERSED, VOIDED,
// COMPENSATION_FAILED. (PAID and COMPENSATION_FAILED still accept a cancel or a retry.)
bool IsTerminal(ClaimState state);

std::string_view ClaimStateName(ClaimState state);  // "PAYMENT_REQUESTED"
std::string_view SagaEventName(SagaEvent event);    // "PAYMENT_SETTLED"
std::string_view SagaEffectName(SagaEffect effect);
std::optional<ClaimState> ParseClaimState(std::string_view name);

// Every state and event, for exhaustive tests and documentation.
std::span<const ClaimState> AllClaimStates();
std::span<const SagaEvent> AllSagaEvents();

}  // namespace claims
