#include "shared/payment_messages.h"

#include "shared/event_schemas.h"

#include <nlohmann/json.hpp>

#include "shared/enum_names.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

constexpr EnumNameTable<PaymentCommandType, 3> kCommandNames{{
    {PaymentCommandType::kPaymentRequested, "PAYMENT_REQUESTED"},
    {PaymentCommandType::kRefundRequested, "REFUND_REQUESTED"},
    {PaymentCommandType::kVoidRequested, "VOID_REQUESTED"},
}};

constexpr EnumNameTable<PaymentResultType, 5> kResultNames{{
    {PaymentResultType::kPaymentSettled, "PAYMENT_SETTLED"},
    {PaymentResultType::kPaymentDeclined, "PAYMENT_DECLINED"},
    {PaymentResultType::kRefunded, "REFUNDED"},
    {PaymentResultType::kVoided, "VOIDED"},
    {PaymentResultType::kAttemptFailed, "PAYMENT_ATTEMPT_FAILED"},
}};

constexpr auto kExact = [](std::string_view a, std::string_view b) { return a == b; };

nlohmann::json Envelope(const std::string& event_id, std::string_view type, const std::string& at,
                        const EventSource& source) {
  return {{"event_id", event_id},
          {"event_type", type},
          {"event_timestamp", at},
          {"schema_version", kEventSchemaVersion},
          {"source", {{"service", source.service}, {"instance", source.instance}}}};
}

// Field readers that name what is wrong; they throw std::invalid_argument, caught below.
std::string Text(const nlohmann::json& j, const char* field, bool allow_empty = false) {
  const auto it = j.find(field);
  if (it == j.end() || !it->is_string()) {
    throw std::invalid_argument(std::string(field) + " must be a string");
  }
  std::string value = it->get<std::string>();
  if (!allow_empty && value.empty()) throw std::invalid_argument(std::string(field) + " is empty");
  return value;
}

int64_t Integer(const nlohmann::json& j, const char* field, int64_t min) {
  const auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) {
    throw std::invalid_argument(std::string(field) + " must be an integer");
  }
  const int64_t value = it->get<int64_t>();
  if (value < min) {
    throw std::invalid_argument(std::string(field) + " must be at least " + std::to_string(min));
  }
  return value;
}

template <typename Enum, size_t N>
Enum Named(const nlohmann::json& j, const char* field, const EnumNameTable<Enum, N>& table) {
  const std::string text = Text(j, field);
  const auto value = EnumFromName(table, text, kExact);
  if (!value) throw std::invalid_argument(std::string(field) + " \"" + text + "\" is unknown");
  return *value;
}

// Parses, checks the message against its topic's schema (shared/schemas/), then reads it.
template <typename T, typename Body>
StatusOr<T> Decode(std::string_view json, std::string_view schema, Body body) {
  try {
    nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return InvalidArgument("not valid JSON");
    if (!j.is_object()) return InvalidArgument("not a JSON object");
    if (Integer(j, "schema_version", 1) != kEventSchemaVersion) {
      return InvalidArgument("schema_version " +
                             std::to_string(j["schema_version"].get<int64_t>()) +
                             " is not supported");
    }
    CLAIMS_RETURN_IF_ERROR(ValidateMessage(schema, j));
    return body(j);
  } catch (const std::exception& e) {
    return InvalidArgument(e.what());
  }
}

}  // namespace

std::string_view PaymentCommandTypeName(PaymentCommandType type) {
  return EnumName(kCommandNames, type);
}
std::string_view PaymentResultTypeName(PaymentResultType type) {
  return EnumName(kResultNames, type);
}

OutgoingEvent EncodePaymentCommand(const PaymentCommand& c, const EventSource& source) {
  nlohmann::json j = Envelope(c.event_id, PaymentCommandTypeName(c.type), c.issued_at, source);
  j["claim_id"] = c.claim_id;
  j["payment_id"] = c.payment_id;
  j["amount_cents"] = c.amount_cents;
  j["provider_npi"] = c.provider_npi;
  j["attempt"] = c.attempt;
  return OutgoingEvent{std::string(topics::kPaymentCommands), c.claim_id, c.event_id, j.dump(), {}};
}

OutgoingEvent EncodePaymentResult(const PaymentResult& r, const EventSource& source) {
  nlohmann::json j = Envelope(r.event_id, PaymentResultTypeName(r.type), r.occurred_at, source);
  j["claim_id"] = r.claim_id;
  j["payment_id"] = r.payment_id;
  j["command_id"] = r.command_id;
  j["command_type"] = PaymentCommandTypeName(r.command_type);
  j["amount_cents"] = r.amount_cents;
  if (!r.reason.empty()) j["reason"] = r.reason;
  if (r.type == PaymentResultType::kAttemptFailed) j["transient"] = r.transient;
  return OutgoingEvent{std::string(topics::kPaymentEvents), r.claim_id, r.event_id, j.dump(), {}};
}

StatusOr<PaymentCommand> DecodePaymentCommand(std::string_view json) {
  return Decode<PaymentCommand>(json, "payment-command",
                                [](const nlohmann::json& j) -> StatusOr<PaymentCommand> {
                                  PaymentCommand c;
                                  c.event_id = Text(j, "event_id");
                                  c.type = Named(j, "event_type", kCommandNames);
                                  c.issued_at = Text(j, "event_timestamp");
                                  c.claim_id = Text(j, "claim_id");
                                  c.payment_id = Text(j, "payment_id");
                                  c.amount_cents = Integer(j, "amount_cents", 0);
                                  c.provider_npi = Text(j, "provider_npi");
                                  c.attempt = static_cast<int>(Integer(j, "attempt", 1));
                                  return c;
                                });
}

StatusOr<PaymentResult> DecodePaymentResult(std::string_view json) {
  return Decode<PaymentResult>(json, "payment-result",
                               [](const nlohmann::json& j) -> StatusOr<PaymentResult> {
                                 PaymentResult r;
                                 r.event_id = Text(j, "event_id");
                                 r.type = Named(j, "event_type", kResultNames);
                                 r.occurred_at = Text(j, "event_timestamp");
                                 r.claim_id = Text(j, "claim_id");
                                 r.payment_id = Text(j, "payment_id");
                                 r.command_id = Text(j, "command_id");
                                 r.command_type = Named(j, "command_type", kCommandNames);
                                 r.amount_cents = Integer(j, "amount_cents", 0);
                                 if (j.contains("reason")) r.reason = Text(j, "reason", true);
                                 if (r.type == PaymentResultType::kAttemptFailed) {
                                   const auto it = j.find("transient");
                                   if (it == j.end() || !it->is_boolean()) {
                                     throw std::invalid_argument("transient must be true or false");
                                   }
                                   r.transient = it->get<bool>();
                                 }
                                 return r;
                               });
}

}  // namespace claims
