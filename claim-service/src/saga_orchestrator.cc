#include "claim_service/saga_orchestrator.h"

#include "claim_service/policy_store.h"
#include "shared/json_log.h"
#include "shared/nanoid.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

using S = ClaimState;
using E = SagaEvent;

int64_t Micros(std::chrono::milliseconds d) { return d.count() * 1000; }

// The command a waiting state is waiting on.
std::optional<PaymentCommandType> PendingCommand(S state) {
  switch (state) {
    case S::kPaymentRequested:
      return PaymentCommandType::kPaymentRequested;
    case S::kVoidRequested:
      return PaymentCommandType::kVoidRequested;
    case S::kReversalRequested:
      return PaymentCommandType::kRefundRequested;
    default:
      return std::nullopt;
  }
}

// base * 2^(attempt-1), capped.
int64_t DoubledDelay(int64_t base_ms, int attempt, int64_t cap_ms) {
  int64_t delay = base_ms;
  for (int i = 1; i < attempt && delay < cap_ms; ++i) delay *= 2;
  return std::min(delay, cap_ms);
}

bool IsCompensation(S state) {
  return state == S::kVoidRequested || state == S::kReversalRequested;
}

OutgoingEvent ClaimEvent(const Claim& claim, S from, E event, const std::string& cause,
                         const EventSource& source) {
  const std::string event_id = claim.claim_id + "/v" + std::to_string(claim.version);
  nlohmann::json j = {
      {"event_id", event_id},
      {"event_type", "CLAIM_STATE_CHANGED"},
      {"event_timestamp", claim.updated_at},
      {"schema_version", kEventSchemaVersion},
      {"source", {{"service", source.service}, {"instance", source.instance}}},
      {"claim_id", claim.claim_id},
      {"policy_id", claim.policy_id ? nlohmann::json(*claim.policy_id) : nlohmann::json()},
      {"from", ClaimStateName(from)},
      {"to", ClaimStateName(claim.status)},
      {"saga_event", SagaEventName(event)},
      {"cause", cause},
      {"net_fee", claim.net_fee.ToString()},
      {"provider", claim.provider ? nlohmann::json(*claim.provider) : nlohmann::json()},
      {"version", claim.version}};
  return OutgoingEvent{std::string(topics::kClaimEvents), claim.claim_id, event_id, j.dump(), {}};
}

}  // namespace

SagaOrchestrator::SagaOrchestrator(SagaSettings settings, const Clock& clock, EventSource source,
                                   prometheus::Registry& metrics)
    : settings_(settings),
      clock_(clock),
      source_(std::move(source)),
      stale_results_(prometheus::BuildCounter()
                         .Name("claims_saga_stale_results_total")
                         .Help("Payment results that no longer fit their claim's state")
                         .Register(metrics)
                         .Add({})),
      compensation_failures_(prometheus::BuildCounter()
                                 .Name("claims_saga_compensation_failed_total")
                                 .Help("Claims parked in COMPENSATION_FAILED for an operator")
                                 .Register(metrics)
                                 .Add({})),
      terminal_latency_(
          prometheus::BuildHistogram()
              .Name("claims_saga_submission_to_terminal_seconds")
              .Help("From a claim's submission to each terminal state it reaches (committed)")
              .Register(metrics)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                           1, 2.5, 5, 10, 30, 60, 300, 900, 3600})),
      rng_(settings.jitter_seed != 0 ? settings.jitter_seed : std::random_device()()) {}

std::chrono::milliseconds SagaOrchestrator::Backoff(int attempt) {
  const int64_t delay =
      DoubledDelay(settings_.backoff_base.count(), attempt, settings_.backoff_cap.count());
  std::lock_guard lock(rng_mu_);
  std::uniform_int_distribution<int64_t> jitter(delay / 2, delay);
  return std::chrono::milliseconds(jitter(rng_));
}

Status SagaOrchestrator::AdjustCoverage(wal::JournalTxn& txn, const Claim& claim,
                                        int64_t reserved_delta, int64_t paid_delta) {
  if (!claim.policy_id) return Internal("claim " + claim.claim_id + " has no policy");
  StatusOr<Coverage> c = LoadCoverage(txn.db(), *claim.policy_id);
  if (!c.ok()) return c.status();
  const int64_t reserved = c->reserved_cents + reserved_delta;
  const int64_t paid = c->paid_cents + paid_delta;
  if (reserved < 0 || paid < 0) {
    return Internal("coverage books of policy " + *claim.policy_id + " would go negative");
  }
  return txn.Put("policy_coverage", {{"policy_id", *claim.policy_id},
                                     {"reserved_cents", reserved},
                                     {"paid_cents", paid},
                                     {"version", c->version + 1}});
}

nlohmann::json SagaOrchestrator::SendCommand(wal::JournalTxn& txn, Claim& claim,
                                             PaymentCommandType type, bool resend, int64_t now_us) {
  if (claim.payment_id.empty()) claim.payment_id = NewNanoid();
  claim.attempts = resend ? claim.attempts + 1 : 1;
  PaymentCommand command;
  // The claim's version is new with every change, so each sending has its own stable id.
  command.event_id = claim.claim_id + "/v" + std::to_string(claim.version) + "/" +
                     std::string(PaymentCommandTypeName(type));
  command.type = type;
  command.claim_id = claim.claim_id;
  command.payment_id = claim.payment_id;
  command.amount_cents = claim.net_fee.cents();
  command.provider_npi = claim.submission.provider_npi;
  command.attempt = claim.attempts;
  command.issued_at = claim.updated_at;
  txn.Emit(EncodePaymentCommand(command, source_));
  // No answer (payment-service down, partitions moving): send again, waiting twice as long
  // each time, up to the cap.
  const int64_t wait_ms = std::max(settings_.answer_timeout.count(),
                                   DoubledDelay(settings_.answer_timeout.count(), claim.attempts,
                                                settings_.backoff_cap.count()));
  claim.next_check_us = now_us + wait_ms * 1000;
  return {{"type", PaymentCommandTypeName(type)},
          {"event_id", command.event_id},
          {"payment_id", command.payment_id},
          {"amount", claim.net_fee.ToString()},
          {"attempt", command.attempt}};
}

Status SagaOrchestrator::Apply(wal::JournalTxn& txn, Claim& claim, SagaEvent event,
                               const std::string& cause, bool write_row,
                               const PaymentResult* result) {
  const SagaTransition* t = FindSagaTransition(claim.status, event);
  if (t == nullptr) {
    return Conflict("claim " + claim.claim_id + " is " + std::string(ClaimStateName(claim.status)) +
                    "; " + std::string(SagaEventName(event)) + " is not allowed there");
  }
  const S from = claim.status;
  const nlohmann::json before = ClaimRow(claim);
  const auto now = clock_.Now();
  const int64_t now_us = UnixMicros(now);
  const int64_t fee = claim.net_fee.cents();
  claim.version += 1;
  claim.updated_at = FormatRfc3339(now);
  claim.status = t->to;
  if (!PendingCommand(claim.status)) claim.next_check_us.reset();
  nlohmann::json command;  // the payment command this step sends, if any
  for (SagaEffect effect : t->effects) {
    switch (effect) {
      case SagaEffect::kReserveCoverage:
        CLAIMS_RETURN_IF_ERROR(AdjustCoverage(txn, claim, fee, 0));
        break;
      case SagaEffect::kReleaseReservation:
        CLAIMS_RETURN_IF_ERROR(AdjustCoverage(txn, claim, -fee, 0));
        break;
      case SagaEffect::kConvertReservation:
        CLAIMS_RETURN_IF_ERROR(AdjustCoverage(txn, claim, -fee, fee));
        break;
      case SagaEffect::kRestoreCoverage:
        CLAIMS_RETURN_IF_ERROR(AdjustCoverage(txn, claim, 0, -fee));
        break;
      case SagaEffect::kSendPaymentCommand:
        command = SendCommand(txn, claim, PaymentCommandType::kPaymentRequested,
                              event == E::kRetryDue, now_us);
        break;
      case SagaEffect::kSendVoidCommand:
        command = SendCommand(txn, claim, PaymentCommandType::kVoidRequested, event == E::kRetryDue,
                              now_us);
        break;
      case SagaEffect::kSendRefundCommand:
        command = SendCommand(txn, claim, PaymentCommandType::kRefundRequested,
                              event == E::kRetryDue, now_us);
        break;
      case SagaEffect::kScheduleRetry:
        claim.next_check_us = now_us + Micros(Backoff(claim.attempts));
        break;
      case SagaEffect::kAlertOperator:
        claim.failed_in = from;
        claim.reason = cause;
        compensation_failures_.Increment();
        Log(LogLevel::kError, "claim needs an operator: compensation failed",
            {{"claim_id", claim.claim_id},
             {"failed_in", ClaimStateName(from)},
             {"cause", cause},
             {"action", "POST /claims/" + claim.claim_id + "/retry"}});
        break;
    }
  }
  // A payment is never retried past its deadline; the deadline check comes first then.
  if (claim.status == S::kPaymentRequested && claim.deadline_us && claim.next_check_us) {
    claim.next_check_us = std::min(*claim.next_check_us, *claim.deadline_us);
  }
  if (claim.status == S::kPaymentFailed || claim.status == S::kRejected) claim.reason = cause;
  nlohmann::json after = ClaimRow(claim);
  nlohmann::json changes = nlohmann::json::object();  // the step's diff, shown by the console
  for (const auto& [field, value] : after.items()) {
    const auto was = before.find(field);
    if (was == before.end() || *was != value) {
      changes[field] = {was == before.end() ? nlohmann::json() : *was, value};
    }
  }
  if (write_row) CLAIMS_RETURN_IF_ERROR(txn.Put("claims", std::move(after)));
  nlohmann::json taken;  // the payment result this step takes, if any
  if (result != nullptr) {
    taken = {{"type", PaymentResultTypeName(result->type)},
             {"event_id", result->event_id},
             {"command_id", result->command_id},
             {"payment_id", result->payment_id},
             {"amount", Money::FromCents(result->amount_cents).ToString()},
             {"occurred_at", result->occurred_at}};
    if (!result->reason.empty()) taken["reason"] = result->reason;
    if (result->type == PaymentResultType::kAttemptFailed) taken["transient"] = result->transient;
  }
  CLAIMS_RETURN_IF_ERROR(
      txn.Put("claim_history",
              {{"history_id", claim.claim_id + "/" + std::to_string(claim.version)},
               {"claim_id", claim.claim_id},
               {"seq", claim.version},
               {"status", ClaimStateName(claim.status)},
               {"event", SagaEventName(event)},
               {"cause", cause},
               {"at", claim.updated_at},
               {"changes", changes.dump()},
               {"command", command.is_null() ? nlohmann::json() : nlohmann::json(command.dump())},
               {"result", taken.is_null() ? nlohmann::json() : nlohmann::json(taken.dump())},
               {"wal_id", txn.wal_id()},
               {"lsn", txn.lsn()},
               {"version", 1}}));
  OutgoingEvent claim_event = ClaimEvent(claim, from, event, cause, source_);
  if (claim.provider) {
    // The provider's own copy, on its topic (the same envelope and event id).
    OutgoingEvent copy = claim_event;
    copy.topic = ProviderUpdatedTopic(*claim.provider);
    txn.Emit(std::move(copy));
  }
  txn.Emit(std::move(claim_event));
  // One line per transition, once it is durable (a failed or rolled-back command logs nothing),
  // and a terminal state's time since submission.
  std::optional<double> since_submitted;
  if (IsTerminal(claim.status)) {
    if (const auto created = ParseRfc3339(claim.created_at)) {
      since_submitted = std::chrono::duration<double>(now - *created).count();
    }
  }
  txn.AfterCommit([this, claim_id = claim.claim_id, from, to = claim.status, event, cause,
                   version = claim.version, since_submitted](uint64_t lsn) {
    if (since_submitted) terminal_latency_.Observe(*since_submitted);
    Log(LogLevel::kInfo, "claim transition",
        {{"claim_id", claim_id},
         {"from", ClaimStateName(from)},
         {"to", ClaimStateName(to)},
         {"event", SagaEventName(event)},
         {"cause", cause},
         {"version", version},
         {"lsn", lsn}});
  });
  return Status::Ok();
}

StatusOr<std::string> SagaOrchestrator::CheckPolicy(wal::JournalTxn& txn, Claim& claim) {
  const ClaimSubmission& sub = claim.submission;
  StatusOr<Policy> policy = NotFound("");
  if (sub.policy_id) {
    policy = LoadPolicy(txn.db(), *sub.policy_id);
  } else if (sub.subscriber_number && sub.plan_group_number) {
    policy = LoadPolicyByMember(txn.db(), *sub.subscriber_number, *sub.plan_group_number);
  } else {
    return std::string("no policy_id, and no subscriber_number with plan_group_number");
  }
  if (policy.status().code() == StatusCode::kNotFound) return policy.status().message();
  if (!policy.ok()) return policy.status();
  claim.policy_id = policy->policy_id;
  const PolicyFields& f = policy->fields;
  if (f.status != PolicyStatus::kActive) {
    return "policy " + policy->policy_id + " is " + std::string(PolicyStatusName(f.status));
  }
  if (sub.service_date < f.start_date || sub.service_date > f.end_date) {
    return "service_date " + sub.service_date.ToIso() + " is outside the policy term " +
           f.start_date.ToIso() + " to " + f.end_date.ToIso();
  }
  // No amount is no coverage, never unlimited coverage.
  if (!f.coverage_amount) {
    return "policy " + policy->policy_id + " has no coverage_amount, so it pays no claim";
  }
  StatusOr<Coverage> used = LoadCoverage(txn.db(), policy->policy_id);
  if (!used.ok()) return used.status();
  const int64_t remaining = f.coverage_amount->cents() - used->reserved_cents - used->paid_cents;
  if (claim.net_fee.cents() > remaining) {
    return "net_fee " + claim.net_fee.ToString() + " is over the remaining coverage " +
           Money::FromCents(remaining).ToString();
  }
  return std::string();
}

StatusOr<std::vector<Claim>> SagaOrchestrator::Submit(
    wal::JournalTxn& txn, const std::vector<ClaimSubmission>& submissions,
    const std::optional<std::string>& provider) {
  std::vector<Claim> out;
  out.reserve(submissions.size());
  const auto now = clock_.Now();
  for (const ClaimSubmission& submission : submissions) {
    StatusOr<int64_t> position = NextClaimPosition(txn.db());
    if (!position.ok()) return position.status();
    Claim claim;
    claim.position = *position;
    claim.claim_id = NewNanoid();
    claim.submission = submission;
    claim.policy_id = submission.policy_id;
    claim.net_fee = NetFee(submission);
    claim.status = S::kSubmitted;
    claim.deadline_us = UnixMicros(now) + Micros(settings_.payment_deadline);
    claim.version = 1;
    claim.created_at = FormatRfc3339(now);
    claim.updated_at = claim.created_at;
    claim.provider = provider;
    // The claim's row is written once, in its state after the policy check; its history has
    // every step.
    CLAIMS_RETURN_IF_ERROR(txn.Put("claim_history", {{"history_id", claim.claim_id + "/1"},
                                                     {"claim_id", claim.claim_id},
                                                     {"seq", 1},
                                                     {"status", ClaimStateName(S::kSubmitted)},
                                                     {"event", "SUBMITTED"},
                                                     {"cause", "received"},
                                                     {"at", claim.created_at},
                                                     {"wal_id", txn.wal_id()},
                                                     {"lsn", txn.lsn()},
                                                     {"version", 1}}));
    StatusOr<std::string> refusal = CheckPolicy(txn, claim);
    if (!refusal.ok()) return refusal.status();
    if (!refusal->empty()) {
      claim.deadline_us.reset();
      CLAIMS_RETURN_IF_ERROR(Apply(txn, claim, E::kPolicyCheckFailed, *refusal));
    } else {
      CLAIMS_RETURN_IF_ERROR(
          Apply(txn, claim, E::kPolicyCheckPassed, "policy check passed", /*write_row=*/false));
      CLAIMS_RETURN_IF_ERROR(Apply(txn, claim, E::kPaymentRequested, "payment requested"));
    }
    out.push_back(std::move(claim));
  }
  return out;
}

StatusOr<Claim> SagaOrchestrator::Cancel(wal::JournalTxn& txn, const std::string& claim_id) {
  StatusOr<Claim> claim = LoadClaim(txn.db(), claim_id);
  if (!claim.ok()) return claim.status();
  if (FindSagaTransition(claim->status, E::kCancelRequested) == nullptr) {
    return Conflict("claim " + claim_id + " is " + std::string(ClaimStateName(claim->status)) +
                    "; only a claim in PAYMENT_REQUESTED or PAID can be cancelled");
  }
  CLAIMS_RETURN_IF_ERROR(Apply(txn, *claim, E::kCancelRequested, "cancelled by a client"));
  return claim;
}

StatusOr<Claim> SagaOrchestrator::Retry(wal::JournalTxn& txn, const std::string& claim_id) {
  StatusOr<Claim> claim = LoadClaim(txn.db(), claim_id);
  if (!claim.ok()) return claim.status();
  const std::optional<E> retry = claim->status == S::kCompensationFailed && claim->failed_in
                                     ? RetryFor(*claim->failed_in)
                                     : std::nullopt;
  if (!retry) {
    return Conflict("claim " + claim_id + " is " + std::string(ClaimStateName(claim->status)) +
                    "; only a claim in COMPENSATION_FAILED can be retried");
  }
  claim->failed_in.reset();
  claim->reason.clear();
  CLAIMS_RETURN_IF_ERROR(Apply(txn, *claim, *retry, "retried by an operator"));
  return claim;
}

Status SagaOrchestrator::OnPaymentResult(wal::JournalTxn& txn, const PaymentResult& result) {
  StatusOr<bool> seen = EventProcessed(txn.db(), result.event_id);
  if (!seen.ok()) return seen.status();
  if (*seen) return Status::Ok();
  CLAIMS_RETURN_IF_ERROR(
      txn.Put("processed_events", {{"event_id", result.event_id},
                                   {"version", 1},
                                   {"processed_at", FormatRfc3339(clock_.Now())}}));
  StatusOr<Claim> claim = LoadClaim(txn.db(), result.claim_id);
  auto stale = [&](const std::string& why) {
    stale_results_.Increment();
    Log(LogLevel::kInfo, "payment result ignored",
        {{"claim_id", result.claim_id}, {"event_id", result.event_id}, {"why", why}});
    return Status::Ok();
  };
  if (claim.status().code() == StatusCode::kNotFound) return stale("unknown claim");
  if (!claim.ok()) return claim.status();
  std::string cause = std::string(PaymentResultTypeName(result.type));
  if (!result.reason.empty()) cause += ": " + result.reason;
  E event = E::kPaymentSettled;
  switch (result.type) {
    case PaymentResultType::kPaymentSettled:
      event = E::kPaymentSettled;
      break;
    case PaymentResultType::kPaymentDeclined:
      event = E::kPaymentDeclined;
      break;
    case PaymentResultType::kRefunded:
      event = E::kRefunded;
      break;
    case PaymentResultType::kVoided:
      event = E::kVoided;
      break;
    case PaymentResultType::kAttemptFailed: {
      if (PendingCommand(claim->status) != result.command_type) {
        return stale("failure of a command the claim no longer waits for");
      }
      const bool exhausted =
          IsCompensation(claim->status) &&
          (!result.transient || claim->attempts >= settings_.max_compensation_attempts);
      // A payment that cannot be made is answered with PAYMENT_DECLINED, never here; a
      // permanent failure of a payment command is treated as a transient one until the
      // deadline voids it.
      event = exhausted ? E::kCompensationExhausted : E::kAttemptFailed;
      break;
    }
  }
  if (FindSagaTransition(claim->status, event) == nullptr) {
    return stale(std::string(SagaEventName(event)) + " does not apply to " +
                 std::string(ClaimStateName(claim->status)));
  }
  return Apply(txn, *claim, event, cause, /*write_row=*/true, &result);
}

Status SagaOrchestrator::OnDue(wal::JournalTxn& txn, const std::string& claim_id) {
  StatusOr<Claim> claim = LoadClaim(txn.db(), claim_id);
  if (!claim.ok()) return claim.status();
  const int64_t now_us = UnixMicros(clock_.Now());
  if (!claim->next_check_us || *claim->next_check_us > now_us) return Status::Ok();
  if (!PendingCommand(claim->status)) {
    claim->next_check_us.reset();  // nothing to wait for; should not happen
    claim->version += 1;
    return txn.Put("claims", ClaimRow(*claim));
  }
  if (claim->status == S::kPaymentRequested && claim->deadline_us &&
      *claim->deadline_us <= now_us) {
    return Apply(txn, *claim, E::kDeadlinePassed, "payment not settled by its deadline");
  }
  if (IsCompensation(claim->status) && claim->attempts >= settings_.max_compensation_attempts) {
    return Apply(txn, *claim, E::kCompensationExhausted,
                 "no success after " + std::to_string(claim->attempts) + " attempts");
  }
  return Apply(txn, *claim, E::kRetryDue,
               "sent again (attempt " + std::to_string(claim->attempts + 1) + ")");
}

}  // namespace claims
