// The envelope every event of the product carries, and the policy events built on it.
// Schemas, field by field: shared/docs/events.md.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/policy.h"

namespace claims {

inline constexpr int kEventSchemaVersion = 1;

// Who produced an event.
struct EventSource {
  std::string service;   // "claim-service"
  std::string instance;  // the instance id, unique among running instances
};

enum class PolicyEventType { kCreated, kUpdated, kDeleted };

std::string_view PolicyEventTypeName(PolicyEventType type);  // "POLICY_CREATED", ...
std::string_view PolicyEventTopic(PolicyEventType type);     // topics::kPolicyCreated, ...

// An event ready to publish: the topic, the key (policy_id or claim_id) and the JSON value.
// The event id travels in the "event_id" header too; `headers` adds others (dead letters).
struct OutgoingEvent {
  std::string topic;
  std::string key;
  std::string event_id;
  std::string payload;  // the JSON text
  std::vector<std::pair<std::string, std::string>> headers;
};

// Builds the event for a change of `policy` (for kDeleted, the policy as it was last stored).
OutgoingEvent BuildPolicyEvent(PolicyEventType type, const Policy& policy,
                               const EventSource& source, std::string event_id,
                               std::chrono::system_clock::time_point at);

}  // namespace claims
