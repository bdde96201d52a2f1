// The counting behind claimsctl monitor and GET /stats/events, and its reader against the
// in-process mock cluster.
#include "shared/event_stats.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "shared/kafka_publisher.h"
#include "shared/mock_kafka_cluster.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

KafkaMessage Event(std::string topic, nlohmann::json value) {
  KafkaMessage m;
  m.topic = std::move(topic);
  m.value = value.dump();
  return m;
}

nlohmann::json StateChange(const std::string& claim, int version, const std::string& to) {
  return {
      {"event_type", "CLAIM_STATE_CHANGED"}, {"claim_id", claim}, {"version", version}, {"to", to}};
}

TEST(EventStatsTest, CountsPerTopicAndEventType) {
  EventStats stats;
  stats.Add(Event("payment-commands", {{"event_type", "PAYMENT_REQUESTED"}}));
  stats.Add(Event("payment-commands", {{"event_type", "PAYMENT_REQUESTED"}}));
  stats.Add(Event("payment-commands", {{"event_type", "REFUND_REQUESTED"}}));
  KafkaMessage raw;
  raw.topic = "saa-claim.submitted.dlq";
  raw.value = "not json";
  stats.Add(raw);
  const nlohmann::json topics = stats.Topics();
  EXPECT_EQ(topics["payment-commands"]["messages"], 3);
  EXPECT_EQ(topics["payment-commands"]["event_types"]["PAYMENT_REQUESTED"]["count"], 2);
  EXPECT_EQ(topics["payment-commands"]["event_types"]["REFUND_REQUESTED"]["count"], 1);
  EXPECT_EQ(topics["payment-commands"]["dead_letter"], false);
  EXPECT_EQ(topics["saa-claim.submitted.dlq"]["event_types"]["-"]["count"], 1);
  EXPECT_EQ(topics["saa-claim.submitted.dlq"]["dead_letter"], true);
}

// A producer that makes up event types (or one nested past the limits) cannot grow the counts.
TEST(EventStatsTest, MadeUpEventTypesAreCountedTogether) {
  EventStats stats;
  for (int i = 0; i < 1000; ++i) {
    stats.Add(Event("saa-claim.submitted", {{"event_type", "T" + std::to_string(i)}}));
  }
  stats.Add(Event("saa-claim.submitted", {{"event_type", std::string(100, 'x')}}));
  KafkaMessage deep;
  deep.topic = "saa-claim.submitted";
  deep.value = std::string(100000, '[') + std::string(100000, ']');
  stats.Add(deep);
  const nlohmann::json types = stats.Topics()["saa-claim.submitted"]["event_types"];
  EXPECT_EQ(types.size(), EventStats::kMaxEventTypes + 1);  // T0..T31, and the rest together
  // The 968 later types, the long one, and the deep value's "-" (a 33rd type).
  EXPECT_EQ(types[EventStats::kOtherEventTypes]["count"], 1000 - 32 + 1 + 1);
  EXPECT_EQ(stats.Topics()["saa-claim.submitted"]["messages"], 1002);
}

TEST(EventStatsTest, ClaimsByStateFollowEachClaimsLatestVersion) {
  EventStats stats;
  stats.Add(Event("claim-events", StateChange("a", 1, "SUBMITTED")));
  stats.Add(Event("claim-events", StateChange("a", 2, "PAYMENT_REQUESTED")));
  stats.Add(Event("claim-events", StateChange("b", 1, "SUBMITTED")));
  stats.Add(Event("claim-events", StateChange("a", 3, "PAID")));
  stats.Add(Event("claim-events", StateChange("a", 2, "PAYMENT_REQUESTED")));  // published again
  // The same event on a provider's updated topic is not a second claim.
  stats.Add(Event("saa-claim.updated", StateChange("c", 1, "SUBMITTED")));
  EXPECT_EQ(stats.ClaimsByState(), nlohmann::json({{"PAID", 1}, {"SUBMITTED", 1}}));
}

TEST(EventStatsTest, RatesCountFromTheOldestSampleOfTheWindow) {
  EventStats stats;
  stats.Add(Event("claim-events", StateChange("a", 1, "SUBMITTED")));
  stats.Sample(EventStats::Clock::now() - std::chrono::seconds(2), /*restart=*/true);
  for (int i = 0; i < 10; ++i) {
    stats.Add(Event("claim-events", StateChange("a", i + 2, "SUBMITTED")));
  }
  const double rate = stats.Topics()["claim-events"]["rate_per_s"].get<double>();
  EXPECT_GT(rate, 4.5);
  EXPECT_LE(rate, 5.0);
}

TEST(EventStatsReaderTest, ReadsEveryTopicAndReportsLagWithoutJoiningGroups) {
  auto cluster = MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  KafkaSettings settings;
  settings.bootstrap_servers = (*cluster)->bootstrap_servers();
  prometheus::Registry registry;
  auto publisher = KafkaEventPublisher::Create(settings, registry);
  ASSERT_TRUE(publisher.ok());
  std::vector<OutgoingEvent> events;
  for (int i = 0; i < 5; ++i) {
    const std::string claim = "claim-" + std::to_string(i);
    events.push_back({std::string(topics::kClaimEvents),
                      claim,
                      claim + "/v1",
                      StateChange(claim, 1, i < 3 ? "PAID" : "DENIED").dump(),
                      {}});
    events.push_back({std::string(topics::kPaymentCommands),
                      claim,
                      claim + "/cmd",
                      nlohmann::json({{"event_type", "PAYMENT_REQUESTED"}}).dump(),
                      {}});
  }
  ASSERT_TRUE((*publisher)->PublishAll(events, std::chrono::seconds(20)).ok());

  auto reader = EventStatsReader::Start(settings);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->WaitCaughtUp(std::chrono::seconds(30)));
  const nlohmann::json s = (*reader)->Snapshot(std::chrono::seconds(10));
  EXPECT_EQ(s["topics"]["claim-events"]["messages"], 5);
  EXPECT_EQ(s["topics"]["payment-commands"]["event_types"]["PAYMENT_REQUESTED"]["count"], 5);
  EXPECT_EQ(s["topics"]["payment-commands"]["partitions"],
            FindTopic(topics::kPaymentCommands)->partitions);
  EXPECT_EQ(s["claims_by_state"], nlohmann::json({{"DENIED", 2}, {"PAID", 3}}));
  EXPECT_EQ(s["dead_letters"]["payment-commands.dlq"], 0);
  // Nobody consumed payment-commands: all five are the payment-service group's lag.
  EXPECT_EQ(s["groups"]["payment-service"]["lag"], 5) << s["groups"].dump();
  EXPECT_EQ(s["groups"]["payment-service"]["topics"]["payment-commands"]["committed"], 0);
}

}  // namespace
}  // namespace claims
