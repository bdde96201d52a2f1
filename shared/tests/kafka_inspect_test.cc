// Dead letters keep what a re-drive needs, and the inspector reads topics and group offsets
// without joining a group, against the in-process mock cluster.
#include "shared/kafka_inspect.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "shared/dead_letters.h"
#include "shared/kafka_publisher.h"
#include "shared/mock_kafka_cluster.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

using std::chrono::seconds;

KafkaMessage Message(std::string topic, int partition, int64_t offset,
                     std::map<std::string, std::string> headers = {}) {
  KafkaMessage m;
  m.topic = std::move(topic);
  m.partition = partition;
  m.offset = offset;
  m.key = "k1";
  m.value = R"({"a":1})";
  m.headers = std::move(headers);
  return m;
}

std::string Header(const OutgoingEvent& e, const std::string& name) {
  for (const auto& [n, v] : e.headers) {
    if (n == name) return v;
  }
  return "(none)";
}

TEST(DeadLetterTest, KeepsTheMessageItsHeadersAndWhereItWas) {
  const OutgoingEvent dead = DeadLetter(
      Message("saa-claim.submitted", 2, 7, {{"Idempotency-Key", "x-1"}, {"trace", "t"}}), "bad");
  EXPECT_EQ(dead.topic, "saa-claim.submitted.dlq");
  EXPECT_EQ(dead.key, "k1");
  EXPECT_EQ(dead.payload, R"({"a":1})");
  EXPECT_EQ(dead.event_id, "saa-claim.submitted/2/7");  // none given: derived from the position
  ASSERT_FALSE(dead.headers.empty());
  EXPECT_EQ(dead.headers[0], std::make_pair(std::string("error"), std::string("bad")));
  EXPECT_EQ(Header(dead, "original_topic"), "saa-claim.submitted");
  EXPECT_EQ(Header(dead, "original_partition"), "2");
  EXPECT_EQ(Header(dead, "original_offset"), "7");
  EXPECT_EQ(Header(dead, "Idempotency-Key"), "x-1");
  EXPECT_EQ(Header(dead, "trace"), "t");
}

TEST(DeadLetterTest, ARedrivenMessageKeepsItsFirstPosition) {
  const KafkaMessage redriven = Message("saa-claim.submitted", 0, 40,
                                        {{"original_topic", "saa-claim.submitted"},
                                         {"original_partition", "2"},
                                         {"original_offset", "7"},
                                         {"redriven_from", "saa-claim.submitted.dlq/0/3"},
                                         {"event_id", "e-1"}});
  EXPECT_EQ(redriven.OriginalPosition().ToString(), "saa-claim.submitted/2/7");
  const OutgoingEvent again = DeadLetter(redriven, "still bad");
  EXPECT_EQ(again.event_id, "e-1");
  EXPECT_EQ(Header(again, "original_offset"), "7");
  EXPECT_EQ(Header(again, "redriven_from"), "(none)");
  int errors = 0;
  for (const auto& [name, value] : again.headers) errors += name == "error" ? 1 : 0;
  EXPECT_EQ(errors, 1);
}

TEST(DeadLetterTest, HeadersCannotPointAtAnotherTopicOrAnUnreadableOffset) {
  const std::map<std::string, std::string> other = {{"original_topic", "payment-commands"},
                                                    {"original_partition", "1"},
                                                    {"original_offset", "9"},
                                                    {"redriven_from", "x.dlq/0/0"}};
  EXPECT_EQ(Message("saa-claim.submitted", 3, 5, other).OriginalPosition().ToString(),
            "saa-claim.submitted/3/5");
  EXPECT_EQ(DeadLetter(Message("saa-claim.submitted", 3, 5, other), "e").headers[1].second,
            "saa-claim.submitted");
  const std::map<std::string, std::string> garbled = {{"original_topic", "saa-claim.submitted"},
                                                      {"original_partition", "1x"},
                                                      {"original_offset", "-9"},
                                                      {"redriven_from", "x.dlq/0/0"}};
  EXPECT_EQ(Message("saa-claim.submitted", 3, 5, garbled).OriginalPosition().ToString(),
            "saa-claim.submitted/3/5");
  // Without the re-drive mark the headers are a producer's own business.
  const std::map<std::string, std::string> unmarked = {{"original_topic", "saa-claim.submitted"},
                                                       {"original_partition", "1"},
                                                       {"original_offset", "2"}};
  EXPECT_EQ(Message("saa-claim.submitted", 3, 5, unmarked).OriginalPosition().ToString(),
            "saa-claim.submitted/3/5");
}

// A hostile provider's message cannot make a dead letter the broker refuses: the error is cut
// and a value near the size limit is dropped, leaving a stub that says where and how large it
// was, shown as such and never re-driven.
TEST(DeadLetterTest, TheErrorIsBoundedAndAHugeValueLeavesAStub) {
  const std::string long_error = std::string(10000, 'e') + "\xC3\xA9";
  const OutgoingEvent cut = DeadLetter(Message("saa-claim.submitted", 0, 1), long_error);
  EXPECT_EQ(cut.headers[0].second,
            std::string(kMaxDeadLetterErrorBytes, 'e') + "... (5906 more bytes)");
  EXPECT_EQ(cut.payload, R"({"a":1})");

  KafkaMessage huge = Message("saa-claim.submitted", 1, 9, {{"trace", "t"}});
  huge.value = std::string(999000, '[');
  const OutgoingEvent stub = DeadLetter(huge, "nested too deep");
  EXPECT_EQ(stub.topic, "saa-claim.submitted.dlq");
  EXPECT_EQ(stub.payload, "");
  EXPECT_EQ(Header(stub, "value_dropped"), "999000");
  EXPECT_EQ(Header(stub, "original_offset"), "9");
  EXPECT_EQ(Header(stub, "trace"), "(none)");
  EXPECT_EQ(stub.headers[0].second, "nested too deep");

  // Read back from the dead-letter topic: shown with its dropped size, refused by a re-drive.
  KafkaMessage read = Message("saa-claim.submitted.dlq", 0, 4);
  read.value = stub.payload;
  for (const auto& [name, value] : stub.headers) read.headers[name] = value;
  const nlohmann::json shown = DeadLetterJson(read);
  EXPECT_EQ(shown["value_dropped"], 999000);
  EXPECT_EQ(shown["value"], "");
  EXPECT_FALSE(shown["headers"].contains("value_dropped"));
  const RedrivePlan plan = PlanRedrive("saa-claim.submitted.dlq", {read});
  EXPECT_TRUE(plan.events.empty());
  ASSERT_EQ(plan.refused.size(), 1u);
  EXPECT_NE(plan.refused[0]["reason"].get<std::string>().find("saa-claim.submitted/1/9"),
            std::string::npos)
      << plan.refused[0].dump();
  EXPECT_EQ(DeadLetterJson(Message("saa-claim.submitted.dlq", 0, 5))["value_dropped"], nullptr);
}

// A dead letter nested far deeper than any input the product takes is shown as its text, not
// parsed (copying and printing such a tree would recurse off the stack).
TEST(DeadLetterTest, ADeeplyNestedValueIsShownAsText) {
  KafkaMessage deep = Message("saa-claim.submitted.dlq", 0, 1);
  deep.value = std::string(100000, '[') + std::string(100000, ']');
  const nlohmann::json shown = DeadLetterJson(deep);
  EXPECT_EQ(shown["value"], deep.value);
  EXPECT_LT(shown.dump().size(), deep.value.size() + 1000);  // printed, without recursing
}

class KafkaInspectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = MockKafkaCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    settings_.bootstrap_servers = cluster_->bootstrap_servers();
  }

  void Publish(const std::vector<OutgoingEvent>& events) {
    auto publisher = KafkaEventPublisher::Create(settings_, registry_);
    ASSERT_TRUE(publisher.ok());
    ASSERT_TRUE((*publisher)->PublishAll(events, seconds(20)).ok());
  }

  std::unique_ptr<MockKafkaCluster> cluster_;
  KafkaSettings settings_;
  prometheus::Registry registry_;
};

TEST_F(KafkaInspectorTest, ReadsATopicToItsEndAndCreatesNothing) {
  std::vector<OutgoingEvent> events;
  for (int i = 0; i < 30; ++i) {
    events.push_back({std::string(topics::kClaimEvents),
                      "claim-" + std::to_string(i % 7),
                      "e-" + std::to_string(i),
                      "{\"i\":" + std::to_string(i) + "}",
                      {{"h", "v"}}});
  }
  Publish(events);
  auto inspector = KafkaInspector::Create(settings_);
  ASSERT_TRUE(inspector.ok());
  auto marks = (*inspector)->Watermarks(std::string(topics::kClaimEvents), seconds(10));
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  int64_t total = 0;
  for (const PartitionWatermarks& m : *marks) total += m.high - m.low;
  EXPECT_EQ(total, 30);
  auto all = (*inspector)->ReadAll(std::string(topics::kClaimEvents), seconds(20));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 30u);
  for (size_t i = 1; i < all->size(); ++i) {
    const KafkaMessage& a = (*all)[i - 1];
    const KafkaMessage& b = (*all)[i];
    EXPECT_TRUE(a.partition < b.partition || (a.partition == b.partition && a.offset < b.offset));
  }
  EXPECT_EQ(all->front().headers.at("h"), "v");
  // Twice gives the same (nothing was consumed), and an empty topic reads as empty.
  EXPECT_EQ((*inspector)->ReadAll(std::string(topics::kClaimEvents), seconds(20))->size(), 30u);
  EXPECT_TRUE((*inspector)->ReadAll("payment-events.dlq", seconds(10))->empty());
  // An unknown topic is not found, and asking did not create it.
  EXPECT_EQ((*inspector)->ReadAll("nobody-claim.submitted", seconds(10)).status().code(),
            StatusCode::kNotFound);
  auto listed = (*inspector)->ListTopics(seconds(10));
  ASSERT_TRUE(listed.ok());
  EXPECT_FALSE(listed->contains("nobody-claim.submitted"));
  EXPECT_EQ(listed->at(std::string(topics::kClaimEvents)),
            FindTopic(topics::kClaimEvents)->partitions);
}

TEST_F(KafkaInspectorTest, ReadsAGroupsCommittedOffsetsWithoutJoiningIt) {
  Publish({{std::string(topics::kPaymentEvents), "c1", "e-1", "{}", {}},
           {std::string(topics::kPaymentEvents), "c1", "e-2", "{}", {}}});
  const std::map<std::string, int> topics = {
      {std::string(topics::kPaymentEvents), FindTopic(topics::kPaymentEvents)->partitions}};
  auto offsets = GroupOffsets::Create(settings_, "g-test");
  ASSERT_TRUE(offsets.ok());
  auto none = (*offsets)->Committed(topics, seconds(20));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  for (const auto& [partition, offset] : none->at(std::string(topics::kPaymentEvents))) {
    EXPECT_EQ(offset, -1) << partition;
  }
  {  // A member of the group consumes both and commits.
    auto consumer =
        KafkaConsumer::Create(settings_, "g-test", {std::string(topics::kPaymentEvents)});
    ASSERT_TRUE(consumer.ok());
    std::vector<KafkaMessage> got;
    const auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (got.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      for (KafkaMessage& m : (*consumer)->Poll(10, std::chrono::milliseconds(200))) {
        got.push_back(std::move(m));
      }
    }
    ASSERT_EQ(got.size(), 2u);
    (*consumer)->StoreOffsets(got);
  }  // leaving the group commits the stored offsets
  auto committed = (*offsets)->Committed(topics, seconds(20));
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  int64_t sum = 0;
  for (const auto& [partition, offset] : committed->at(std::string(topics::kPaymentEvents))) {
    if (offset > 0) sum += offset;
  }
  EXPECT_EQ(sum, 2);
}

}  // namespace
}  // namespace claims
