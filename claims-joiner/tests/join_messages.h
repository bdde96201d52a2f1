// Input messages for the joiner's tests, shaped as the services publish them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "shared/kafka_consumer.h"
#include "shared/topic_catalog.h"

namespace claims::testing {

inline nlohmann::json Envelope(const std::string& id, const std::string& type) {
  return {{"event_id", id},
          {"event_type", type},
          {"event_timestamp", "2026-12-01T10:00:00.000Z"},
          {"schema_version", 1},
          {"source", {{"service", "claim-service"}, {"instance", "claim-1"}}}};
}

inline nlohmann::json PolicyEvent(const std::string& policy_id, int version,
                                  const std::string& type = "POLICY_CREATED") {
  nlohmann::json e = Envelope("pe-" + policy_id + "-" + std::to_string(version), type);
  e["customer_id"] = nullptr;
  e["policy_details"] = {{"policy_id", policy_id},
                         {"policyholder_name", "Ada Lovelace"},
                         {"policy_type", "Health"},
                         {"start_date", "2026-01-01"},
                         {"end_date", "2027-01-01"},
                         {"premium_amount", "120.50"},
                         {"status", "Active"},
                         {"customer_id", nullptr},
                         {"coverage_amount", "50000.00"},
                         {"subscriber_number", "S-1"},
                         {"plan_group_number", "G-1"},
                         {"version", version},
                         {"created_at", "2026-12-01T09:00:00.000Z"},
                         {"updated_at", "2026-12-01T09:00:00.000Z"}};
  e["metadata"] = {{"source_system", "policy-api"},
                   {"processing_priority", type == "POLICY_DELETED" ? "high" : "normal"}};
  return e;
}

inline nlohmann::json ClaimEvent(const std::string& claim_id, int version, const std::string& from,
                                 const std::string& to, const std::string& saga_event,
                                 const nlohmann::json& policy_id) {
  nlohmann::json e = Envelope(claim_id + "/v" + std::to_string(version), "CLAIM_STATE_CHANGED");
  e["claim_id"] = claim_id;
  e["policy_id"] = policy_id;
  e["from"] = from;
  e["to"] = to;
  e["saga_event"] = saga_event;
  e["cause"] = saga_event;
  e["net_fee"] = "25.50";
  e["provider"] = nullptr;
  e["version"] = version;
  return e;
}

inline nlohmann::json ResultEvent(const std::string& claim_id, const std::string& type,
                                  const std::string& command_type = "PAYMENT_REQUESTED") {
  nlohmann::json e = Envelope(claim_id + "/v3/" + command_type + "/result", type);
  e["claim_id"] = claim_id;
  e["payment_id"] = "pay-" + claim_id;
  e["command_id"] = claim_id + "/v3/" + command_type;
  e["command_type"] = command_type;
  e["amount_cents"] = 2550;
  if (type == "PAYMENT_DECLINED") e["reason"] = "declined";
  return e;
}

// The message of `value` at `offset` of `topic`'s partition 0.
inline KafkaMessage At(std::string_view topic, int64_t offset, const nlohmann::json& value,
                       int partition = 0) {
  KafkaMessage m;
  m.topic = std::string(topic);
  m.partition = partition;
  m.offset = offset;
  m.key = value.is_object() ? value.value("claim_id", std::string()) : std::string();
  m.value = value.dump();
  return m;
}

}  // namespace claims::testing
