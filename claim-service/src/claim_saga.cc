#include "claim_service/claim_saga.h"

#include <functional>

#include "shared/enum_names.h"

namespace claims {
namespace {

using S = ClaimState;
using E = SagaEvent;
using X = SagaEffect;

const std::vector<SagaTransition>& Table() {
  static const auto* table = new std::vector<SagaTransition>{
      {S::kSubmitted, E::kPolicyCheckFailed, S::kRejected, {}},
      {S::kSubmitted, E::kPolicyCheckPassed, S::kReserved, {X::kReserveCoverage}},
      {S::kReserved, E::kPaymentRequested, S::kPaymentRequested, {X::kSendPaymentCommand}},
      {S::kPaymentRequested, E::kPaymentSettled, S::kPaid, {X::kConvertReservation}},
      {S::kPaymentRequested, E::kPaymentDeclined, S::kPaymentFailed, {X::kReleaseReservation}},
      {S::kPaymentRequested, E::kDeadlinePassed, S::kVoidRequested, {X::kSendVoidCommand}},
      {S::kPaymentRequested, E::kCancelRequested, S::kVoidRequested, {X::kSendVoidCommand}},
      // The void raced a settlement that got there first: refund what was paid.
      {S::kVoidRequested,
       E::kPaymentSettled,
       S::kReversalRequested,
       {X::kConvertReservation, X::kSendRefundCommand}},
      // The charge was declined after all: nothing was paid, nothing to void.
      {S::kVoidRequested, E::kPaymentDeclined, S::kVoided, {X::kReleaseReservation}},
      {S::kVoidRequested, E::kVoided, S::kVoided, {X::kReleaseReservation}},
      {S::kVoidRequested, E::kCompensationExhausted, S::kCompensationFailed, {X::kAlertOperator}},
      {S::kPaid, E::kCancelRequested, S::kReversalRequested, {X::kSendRefundCommand}},
      {S::kReversalRequested, E::kRefunded, S::kReversed, {X::kRestoreCoverage}},
      {S::kReversalRequested,
       E::kCompensationExhausted,
       S::kCompensationFailed,
       {X::kAlertOperator}},
      {S::kCompensationFailed, E::kRetryRefund, S::kReversalRequested, {X::kSendRefundCommand}},
      {S::kCompensationFailed, E::kRetryVoid, S::kVoidRequested, {X::kSendVoidCommand}},
      // Transient failures and lost answers: the step stays and its command is sent again.
      // (The orchestrator turns a retry past the limit into DEADLINE_PASSED for a payment and
      // COMPENSATION_EXHAUSTED for a refund or void.)
      {S::kPaymentRequested, E::kAttemptFailed, S::kPaymentRequested, {X::kScheduleRetry}},
      {S::kVoidRequested, E::kAttemptFailed, S::kVoidRequested, {X::kScheduleRetry}},
      {S::kReversalRequested, E::kAttemptFailed, S::kReversalRequested, {X::kScheduleRetry}},
      {S::kPaymentRequested, E::kRetryDue, S::kPaymentRequested, {X::kSendPaymentCommand}},
      {S::kVoidRequested, E::kRetryDue, S::kVoidRequested, {X::kSendVoidCommand}},
      {S::kReversalRequested, E::kRetryDue, S::kReversalRequested, {X::kSendRefundCommand}},
  };
  return *table;
}

constexpr EnumNameTable<ClaimState, 11> kStateNames{{
    {S::kSubmitted, "SUBMITTED"},
    {S::kRejected, "REJECTED"},
    {S::kReserved, "RESERVED"},
    {S::kPaymentRequested, "PAYMENT_REQUESTED"},
    {S::kPaid, "PAID"},
    {S::kPaymentFailed, "PAYMENT_FAILED"},
    {S::kReversalRequested, "REVERSAL_REQUESTED"},
    {S::kReversed, "REVERSED"},
    {S::kVoidRequested, "VOID_REQUESTED"},
    {S::kVoided, "VOIDED"},
    {S::kCompensationFailed, "COMPENSATION_FAILED"},
}};

constexpr EnumNameTable<SagaEvent, 14> kEventNames{{
    {E::kPolicyCheckFailed, "POLICY_CHECK_FAILED"},
    {E::kPolicyCheckPassed, "POLICY_CHECK_PASSED"},
    {E::kPaymentRequested, "PAYMENT_REQUESTED"},
    {E::kPaymentSettled, "PAYMENT_SETTLED"},
    {E::kPaymentDeclined, "PAYMENT_DECLINED"},
    {E::kDeadlinePassed, "DEADLINE_PASSED"},
    {E::kCancelRequested, "CANCEL_REQUESTED"},
    {E::kRefunded, "REFUNDED"},
    {E::kVoided, "VOIDED"},
    {E::kCompensationExhausted, "COMPENSATION_EXHAUSTED"},
    {E::kRetryRefund, "RETRY_REFUND"},
    {E::kRetryVoid, "RETRY_VOID"},
    {E::kAttemptFailed, "ATTEMPT_FAILED"},
    {E::kRetryDue, "RETRY_DUE"},
}};

constexpr EnumNameTable<SagaEffect, 9> kEffectNames{{
    {X::kReserveCoverage, "reserve coverage"},
    {X::kSendPaymentCommand, "send PaymentRequested"},
    {X::kSendVoidCommand, "send VoidRequested"},
    {X::kSendRefundCommand, "send RefundRequested"},
    {X::kReleaseReservation, "release reservation"},
    {X::kConvertReservation, "reservation becomes paid"},
    {X::kRestoreCoverage, "restore coverage"},
    {X::kAlertOperator, "alert operator"},
    {X::kScheduleRetry, "schedule retry"},
}};

// Every state and event, in table order.
constexpr auto kStates = EnumValues(kStateNames);
constexpr auto kEvents = EnumValues(kEventNames);

}  // namespace

std::span<const SagaTransition> SagaTransitions() { return Table(); }

const SagaTransition* FindSagaTransition(ClaimState state, SagaEvent event) {
  for (const SagaTransition& t : Table()) {
    if (t.from == state && t.event == event) return &t;
  }
  return nullptr;
}

std::optional<SagaEvent> RetryFor(ClaimState failed_in) {
  if (failed_in == S::kReversalRequested) return E::kRetryRefund;
  if (failed_in == S::kVoidRequested) return E::kRetryVoid;
  return std::nullopt;
}

bool IsTerminal(ClaimState state) {
  switch (state) {
    case S::kPaid:
    case S::kRejected:
    case S::kPaymentFailed:
    case S::kReversed:
    case S::kVoided:
    case S::kCompensationFailed:
      return true;
    default:
      return false;
  }
}

std::string_view ClaimStateName(ClaimState state) { return EnumName(kStateNames, state); }
std::string_view SagaEventName(SagaEvent event) { return EnumName(kEventNames, event); }
std::string_view SagaEffectName(SagaEffect effect) { return EnumName(kEffectNames, effect); }

std::optional<ClaimState> ParseClaimState(std::string_view name) {
  return EnumFromName(kStateNames, name, std::equal_to<std::string_view>());
}

std::span<const ClaimState> AllClaimStates() { return kStates; }
std::span<const SagaEvent> AllSagaEvents() { return kEvents; }

}  // namespace claims
