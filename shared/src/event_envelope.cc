#include "shared/event_envelope.h"

#include "shared/clock.h"
#include "shared/policy_codec.h"
#include "shared/topic_catalog.h"

namespace claims {

std::string_view PolicyEventTypeName(PolicyEventType type) {
  switch (type) {
    case PolicyEventType::kCreated:
      return "POLICY_CREATED";
    case PolicyEventType::kUpdated:
      return "POLICY_UPDATED";
    case PolicyEventType::kDeleted:
      return "POLICY_DELETED";
  }
  return "POLICY_UNKNOWN";
}

std::string_view PolicyEventTopic(PolicyEventType type) {
  switch (type) {
    case PolicyEventType::kCreated:
      return topics::kPolicyCreated;
    case PolicyEventType::kUpdated:
      return topics::kPolicyUpdated;
    case PolicyEventType::kDeleted:
      return topics::kPolicyDeleted;
  }
  return topics::kPolicyUpdated;
}

OutgoingEvent BuildPolicyEvent(PolicyEventType type, const Policy& policy,
                               const EventSource& source, std::string event_id,
                               std::chrono::system_clock::time_point at) {
  // Deletions go first in downstream queues: they change what may be paid.
  const bool high = type == PolicyEventType::kDeleted;
  nlohmann::json details = EncodePolicy(policy);
  nlohmann::json customer_id = details["customer_id"];  // null when the policy has none
  nlohmann::json event = {
      {"event_id", event_id},
      {"event_type", PolicyEventTypeName(type)},
      {"event_timestamp", FormatRfc3339(at)},
      {"schema_version", kEventSchemaVersion},
      {"source", {{"service", source.service}, {"instance", source.instance}}},
      {"customer_id", std::move(customer_id)},
      {"policy_details", std::move(details)},
      {"metadata",
       {{"source_system", "policy-api"}, {"processing_priority", high ? "high" : "normal"}}},
  };
  return OutgoingEvent{std::string(PolicyEventTopic(type)), policy.policy_id, std::move(event_id),
                       event.dump()};
}

}  // namespace claims
