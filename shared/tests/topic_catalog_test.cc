#include "shared/topic_catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace claims {
namespace {

TEST(TopicCatalogTest, EveryConsumedTopicHasADeadLetterTopic) {
  for (const TopicSpec& t : PrimaryTopics()) {
    if (!t.consumed) continue;
    const TopicSpec* dlq = FindTopic(DeadLetterTopic(t.name));
    ASSERT_NE(dlq, nullptr) << t.name;
    EXPECT_EQ(dlq->key, t.key);
  }
}

TEST(TopicCatalogTest, NamesAreUniqueAndPartitioned) {
  std::set<std::string_view> names;
  for (const TopicSpec& t : AllTopics()) {
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_GT(t.partitions, 0);
  }
  for (std::string_view name :
       {topics::kPolicyCreated, topics::kPolicyUpdated, topics::kPolicyDeleted,
        topics::kClaimEvents, topics::kPaymentCommands, topics::kPaymentEvents}) {
    EXPECT_NE(FindTopic(name), nullptr) << name;
  }
  EXPECT_EQ(FindTopic("policy-create"), nullptr);
}

}  // namespace
}  // namespace claims
