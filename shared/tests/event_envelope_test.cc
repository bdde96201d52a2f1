#include "shared/event_envelope.h"

#include <gtest/gtest.h>

#include "shared/topic_catalog.h"

namespace claims {
namespace {

TEST(EventEnvelopeTest, PolicyEventCarriesEnvelopeAndDetails) {
  Policy p;
  p.policy_id = "V1StGXR8_Z5jdHi6B-myT";
  p.fields.customer_id = "C-9";
  p.fields.policyholder_name = "Grace";
  p.version = 2;
  const auto at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767225600123));
  const OutgoingEvent e =
      BuildPolicyEvent(PolicyEventType::kUpdated, p, {"claim-service", "i-1"}, "EVT", at);
  EXPECT_EQ(e.topic, topics::kPolicyUpdated);
  EXPECT_EQ(e.key, p.policy_id);
  EXPECT_EQ(e.event_id, "EVT");
  const auto j = nlohmann::json::parse(e.payload);
  EXPECT_EQ(j["event_id"], "EVT");
  EXPECT_EQ(j["event_type"], "POLICY_UPDATED");
  EXPECT_EQ(j["event_timestamp"], "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["source"]["service"], "claim-service");
  EXPECT_EQ(j["source"]["instance"], "i-1");
  EXPECT_EQ(j["customer_id"], "C-9");
  EXPECT_EQ(j["policy_details"]["policy_id"], p.policy_id);
  EXPECT_EQ(j["policy_details"]["version"], 2);
  EXPECT_EQ(j["metadata"]["source_system"], "policy-api");
  EXPECT_EQ(j["metadata"]["processing_priority"], "normal");
}

TEST(EventEnvelopeTest, EachTypeGoesToItsTopic) {
  EXPECT_EQ(PolicyEventTopic(PolicyEventType::kCreated), "policy-created");
  EXPECT_EQ(PolicyEventTopic(PolicyEventType::kDeleted), "policy-deleted");
  EXPECT_EQ(PolicyEventTypeName(PolicyEventType::kDeleted), "POLICY_DELETED");
}

}  // namespace
}  // namespace claims
