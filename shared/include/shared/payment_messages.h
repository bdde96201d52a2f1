// The saga's messages between claim-service and payment-service (schemas in
// shared/docs/events.md): commands on payment-commands, results on payment-events, both keyed by
// claim_id and carrying the common envelope. Decoding validates every field, so a message that
// decodes is one the services can act on; anything else goes to the topic's .dlq.
// Pure domain: no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/event_envelope.h"
#include "shared/status.h"

namespace claims {

enum class PaymentCommandType { kPaymentRequested, kRefundRequested, kVoidRequested };
enum class PaymentResultType {
  kPaymentSettled,
  kPaymentDeclined,
  kRefunded,
  kVoided,
  kAttemptFailed,  // the gateway failed transiently (or the command failed for good, see below)
};

std::string_view PaymentCommandTypeName(PaymentCommandType type);  // "PAYMENT_REQUESTED"
std::string_view PaymentResultTypeName(PaymentResultType type);    // "PAYMENT_SETTLED"

struct PaymentCommand {
  std::string event_id;  // stable: "<payment_id>/<type>/<attempt>"
  PaymentCommandType type = PaymentCommandType::kPaymentRequested;
  std::string claim_id;
  std::string payment_id;  // the gateway's idempotency key; one per claim
  int64_t amount_cents = 0;
  std::string provider_npi;
  int attempt = 1;
  std::string issued_at;  // RFC 3339
};

struct PaymentResult {
  std::string event_id;  // stable: "<command event id>/result"
  PaymentResultType type = PaymentResultType::kPaymentSettled;
  std::string claim_id;
  std::string payment_id;
  std::string command_id;  // the event id of the command answered
  PaymentCommandType command_type = PaymentCommandType::kPaymentRequested;
  int64_t amount_cents = 0;
  std::string reason;     // for declines and failures
  bool transient = true;  // for kAttemptFailed: false when retrying cannot help
  std::string occurred_at;
};

OutgoingEvent EncodePaymentCommand(const PaymentCommand& command, const EventSource& source);
OutgoingEvent EncodePaymentResult(const PaymentResult& result, const EventSource& source);

// Errors: kInvalidArgument naming the bad or missing field.
StatusOr<PaymentCommand> DecodePaymentCommand(std::string_view json);
StatusOr<PaymentResult> DecodePaymentResult(std::string_view json);

}  // namespace claims
