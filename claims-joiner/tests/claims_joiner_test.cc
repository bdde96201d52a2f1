// The joiner process against the in-process mock cluster: records on claim-payments.joined,
// a restart resuming where it stopped, and a crash between publishing and recording it.
#include "claims_joiner/claims_joiner.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "join_messages.h"
#include "shared/kafka_inspect.h"
#include "shared/mock_kafka_cluster.h"
#include "testing/topic_reader.h"

namespace claims {
namespace {

using testing::ClaimEvent;
using testing::PolicyEvent;
using testing::ResultEvent;

class ClaimsJoinerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1);
    ASSERT_TRUE(cluster.ok());
    cluster_ = std::move(*cluster);
    config_.kafka.bootstrap_servers = cluster_->bootstrap_servers();
    config_.data_dir = (std::filesystem::temp_directory_path() /
                        ("claims_joiner_test_" + std::to_string(::getpid()) + "_" +
                         ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                           .string();
    std::filesystem::remove_all(config_.data_dir);
    auto publisher = KafkaEventPublisher::Create(config_.kafka, registry_);
    ASSERT_TRUE(publisher.ok());
    publisher_ = std::move(*publisher);
  }
  void TearDown() override { std::filesystem::remove_all(config_.data_dir); }

  static OutgoingEvent EventOf(std::string_view topic, const nlohmann::json& e) {
    const std::string key = e.contains("claim_id")
                                ? e["claim_id"].get<std::string>()
                                : e["policy_details"]["policy_id"].get<std::string>();
    return {std::string(topic), key, e["event_id"].get<std::string>(), e.dump(), {}};
  }
  void Publish(std::string_view topic, const nlohmann::json& e) {
    const OutgoingEvent event = EventOf(topic, e);
    ASSERT_TRUE(publisher_->PublishAll({&event, 1}, std::chrono::seconds(20)).ok());
  }
  // A paid claim's events, its settlement published before its claim events (in one go).
  void PublishPaidClaim(const std::string& claim, const std::string& policy) {
    const std::vector<OutgoingEvent> events = {
        EventOf(topics::kPaymentEvents, ResultEvent(claim, "PAYMENT_SETTLED")),
        EventOf(topics::kClaimEvents,
                ClaimEvent(claim, 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", policy)),
        EventOf(topics::kClaimEvents,
                ClaimEvent(claim, 3, "RESERVED", "PAYMENT_REQUESTED", "PAYMENT_REQUESTED", policy)),
        EventOf(topics::kClaimEvents,
                ClaimEvent(claim, 4, "PAYMENT_REQUESTED", "PAID", "PAYMENT_SETTLED", policy))};
    ASSERT_TRUE(publisher_->PublishAll(events, std::chrono::seconds(20)).ok());
  }
  // Every record on the output topic, once there are at least `at_least` (so a record there
  // twice shows as two).
  std::vector<KafkaMessage> ReadJoined(size_t at_least) {
    testing::TopicReader reader(cluster_->bootstrap_servers(),
                                std::string(topics::kClaimPaymentsJoined));
    reader.ReadUntil([&](const auto& m) { return m.size() >= at_least; }, std::chrono::seconds(30));
    auto inspector = KafkaInspector::Create(config_.kafka);
    EXPECT_TRUE(inspector.ok());
    auto all =
        (*inspector)->ReadAll(std::string(topics::kClaimPaymentsJoined), std::chrono::seconds(30));
    EXPECT_TRUE(all.ok()) << all.status().ToString();
    return all.ok() ? *all : std::vector<KafkaMessage>{};
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  ClaimsJoinerConfig config_;
  prometheus::Registry registry_;
  std::unique_ptr<KafkaEventPublisher> publisher_;
};

TEST_F(ClaimsJoinerTest, JoinsTheThreeStreamsAndResumesAfterARestart) {
  Publish(topics::kPolicyCreated, PolicyEvent("P1", 1));
  PublishPaidClaim("c1", "P1");
  PublishPaidClaim("c2", "P1");
  {
    auto joiner = ClaimsJoiner::Start(config_);
    ASSERT_TRUE(joiner.ok()) << joiner.status().ToString();
    EXPECT_EQ(ClaimsJoiner::Start(config_).status().code(), StatusCode::kLocked)
        << "a second joiner on the same store";
    ASSERT_EQ(ReadJoined(2).size(), 2u);
  }
  // Stopped; more claims meanwhile; the next start reads only what is new.
  PublishPaidClaim("c3", "P1");
  Publish(topics::kClaimEvents,
          ClaimEvent("c4", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", nullptr));
  auto joiner = ClaimsJoiner::Start(config_);
  ASSERT_TRUE(joiner.ok()) << joiner.status().ToString();
  const std::vector<KafkaMessage> joined = ReadJoined(4);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // room for a wrong fifth
  std::map<std::string, int> per_claim;
  for (const KafkaMessage& m : ReadJoined(4)) ++per_claim[m.key];
  EXPECT_EQ(per_claim, (std::map<std::string, int>{{"c1", 1}, {"c2", 1}, {"c3", 1}, {"c4", 1}}));
  const nlohmann::json c1 = nlohmann::json::parse(joined[0].value);
  EXPECT_EQ(c1["event_type"], "CLAIM_PAYMENT_JOINED");
}

// The crash the outbox guards against: records published, the process killed before it
// recorded so. The next start finds them on the topic and does not publish them again.
TEST_F(ClaimsJoinerTest, RecordsPublishedBeforeACrashAreNotPublishedAgain) {
  Publish(topics::kPolicyCreated, PolicyEvent("P1", 1));
  PublishPaidClaim("c1", "P1");
  {
    std::filesystem::create_directories(config_.data_dir + "/claims-joiner");
    auto store = JoinStore::Open(JoinerStorePath(config_.data_dir), {"claims-joiner", "j-1"});
    ASSERT_TRUE(store.ok());
    // What the joiner does up to the crash: apply the inputs, record the topic's ends, publish.
    auto inspector = KafkaInspector::Create(config_.kafka);
    ASSERT_TRUE(inspector.ok());
    std::vector<KafkaMessage> inputs;
    for (std::string_view t : JoinerInputTopics()) {
      auto all = (*inspector)->ReadAll(std::string(t), std::chrono::seconds(20));
      ASSERT_TRUE(all.ok());
      inputs.insert(inputs.end(), all->begin(), all->end());
    }
    ASSERT_EQ((*store)->Apply(inputs)->outputs, 1);
    auto marks =
        (*inspector)
            ->Watermarks(std::string(topics::kClaimPaymentsJoined), std::chrono::seconds(10));
    ASSERT_TRUE(marks.ok());
    std::map<int, int64_t> ends;
    for (const auto& m : *marks) ends[m.partition] = m.high;
    ASSERT_TRUE((*store)->SaveRelayStart(ends).ok());
    const JoinedOutput o = (*store)->Unpublished()->front();
    const OutgoingEvent event{
        std::string(topics::kClaimPaymentsJoined), o.claim_id, o.event_id, o.payload, {}};
    ASSERT_TRUE(publisher_->PublishAll({&event, 1}, std::chrono::seconds(20)).ok());
  }  // killed here: never marked published
  PublishPaidClaim("c2", "P1");
  auto joiner = ClaimsJoiner::Start(config_);
  ASSERT_TRUE(joiner.ok()) << joiner.status().ToString();
  ReadJoined(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::map<std::string, int> per_claim;
  for (const KafkaMessage& m : ReadJoined(2)) ++per_claim[m.key];
  EXPECT_EQ(per_claim, (std::map<std::string, int>{{"c1", 1}, {"c2", 1}}));
}

// A broker that stalls longer than the publish waits: the publish gives up while the producer
// still delivers the record, and the retry must not publish it a second time.
TEST_F(ClaimsJoinerTest, ARecordIsPublishedOnceThoughItsPublishGaveUpOnAStalledBroker) {
  config_.publish_timeout = std::chrono::milliseconds(500);
  Publish(topics::kPolicyCreated, PolicyEvent("P1", 1));
  PublishPaidClaim("c1", "P1");
  auto joiner = ClaimsJoiner::Start(config_);
  ASSERT_TRUE(joiner.ok()) << joiner.status().ToString();
  ASSERT_EQ(ReadJoined(1).size(), 1u);
  // Every answer 2 s late: the next record's publish gives up after 0.5 s, yet it is appended.
  ASSERT_TRUE(cluster_->SetBrokerRtt(1, std::chrono::milliseconds(2000)).ok());
  PublishPaidClaim("c2", "P1");
  for (int i = 0; i < 300 && (*joiner)->outputs_published() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(cluster_->SetBrokerRtt(1, std::chrono::milliseconds(0)).ok());
  for (int i = 0; i < 300 && (*joiner)->outputs_published() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ((*joiner)->outputs_published(), 2);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // room for a second copy
  std::map<std::string, int> per_claim;
  for (const KafkaMessage& m : ReadJoined(2)) ++per_claim[m.key];
  EXPECT_EQ(per_claim, (std::map<std::string, int>{{"c1", 1}, {"c2", 1}}));
}

}  // namespace
}  // namespace claims
