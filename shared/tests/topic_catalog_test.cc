#include "shared/topic_catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
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

// docker/compose.production.yml's init container creates the topics of a real Kafka from its
// TOPICS list ("name:partitions ..."): it must be this catalog, no more, no less.
TEST(TopicCatalogTest, ProductionComposeCreatesExactlyTheCatalog) {
  std::ifstream in(std::string(CLAIMS_SOURCE_DIR) + "/docker/compose.production.yml");
  ASSERT_TRUE(in) << "cannot read docker/compose.production.yml";
  // The folded block: the lines after "TOPICS: >-" indented deeper than that key.
  std::string line, list;
  size_t key_indent = std::string::npos;
  while (std::getline(in, line)) {
    const size_t indent = line.find_first_not_of(' ');
    if (key_indent == std::string::npos) {
      if (indent != std::string::npos && line.compare(indent, 10, "TOPICS: >-") == 0) {
        key_indent = indent;
      }
    } else if (indent == std::string::npos || indent <= key_indent) {
      break;
    } else {
      list += line + " ";
    }
  }
  ASSERT_NE(key_indent, std::string::npos) << "no TOPICS list in the compose file";
  std::map<std::string, int> listed;
  const std::regex spec(R"(([a-z.-]+):([0-9]+))");
  for (std::sregex_iterator it(list.begin(), list.end(), spec), stop; it != stop; ++it) {
    listed[(*it)[1]] = std::stoi((*it)[2]);
  }
  std::map<std::string, int> catalog;
  for (const TopicSpec& t : AllTopics()) catalog[std::string(t.name)] = t.partitions;
  EXPECT_EQ(listed, catalog);
}

}  // namespace
}  // namespace claims
