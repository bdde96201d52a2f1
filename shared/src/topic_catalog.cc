#include "shared/topic_catalog.h"

#include <array>
#include <vector>

namespace claims {
namespace {

// Saga topics have 6 partitions: payment-service scales out to 6 instances that each own at
// least one partition. Policy topics carry far less traffic.
constexpr std::array<TopicSpec, 7> kPrimary{{
    {topics::kPolicyCreated, 3, "policy_id", false},
    {topics::kPolicyUpdated, 3, "policy_id", false},
    {topics::kPolicyDeleted, 3, "policy_id", false},
    {topics::kClaimEvents, 6, "claim_id", false},
    {topics::kPaymentCommands, 6, "claim_id", true},
    {topics::kPaymentEvents, 6, "claim_id", true},
    {topics::kClaimPaymentsJoined, 6, "claim_id", false},
}};

// Dead-letter topics get one partition: they are read by people and tools, rarely and in order.
constexpr std::array<TopicSpec, 2> kDeadLetter{{
    {"payment-commands.dlq", 1, "claim_id", false},
    {"payment-events.dlq", 1, "claim_id", false},
}};

// A provider's topics carry one provider's share of the traffic. 4 partitions is also what the
// embedded broker gives a topic it creates on first use (it has no admin API), so local runs
// and production agree.
constexpr int kProviderTopicPartitions = 4;
constexpr std::string_view kSubmittedSuffix = "-claim.submitted";
constexpr std::string_view kUpdatedSuffix = "-claim.updated";

const std::vector<TopicSpec>& All() {
  static const std::vector<TopicSpec>* all = [] {
    auto* v = new std::vector<TopicSpec>(kPrimary.begin(), kPrimary.end());
    v->insert(v->end(), kDeadLetter.begin(), kDeadLetter.end());
    return v;
  }();
  return *all;
}

}  // namespace

constexpr std::array<std::string_view, 5> kJoinerInputs = {
    topics::kPolicyCreated, topics::kPolicyUpdated, topics::kPolicyDeleted, topics::kClaimEvents,
    topics::kPaymentEvents};
constexpr std::array<std::string_view, 1> kClaimServiceInputs = {topics::kPaymentEvents};
constexpr std::array<std::string_view, 1> kPaymentServiceInputs = {topics::kPaymentCommands};

std::span<const std::string_view> JoinerInputTopics() { return kJoinerInputs; }

std::span<const ConsumerGroupSpec> ConsumerGroups() {
  static constexpr std::array<ConsumerGroupSpec, 4> kGroups{{
      {groups::kClaimService, kClaimServiceInputs, false},
      {groups::kClaimServiceIntake, {}, true},
      {groups::kPaymentService, kPaymentServiceInputs, false},
      {groups::kClaimsJoiner, kJoinerInputs, false},
  }};
  return kGroups;
}

std::span<const TopicSpec> PrimaryTopics() { return kPrimary; }
std::span<const TopicSpec> AllTopics() { return All(); }

std::string DeadLetterTopic(std::string_view topic) { return std::string(topic) + ".dlq"; }

const TopicSpec* FindTopic(std::string_view name) {
  for (const TopicSpec& t : All()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string ProviderSubmittedTopic(std::string_view provider) {
  return std::string(provider) + std::string(kSubmittedSuffix);
}

std::string ProviderUpdatedTopic(std::string_view provider) {
  return std::string(provider) + std::string(kUpdatedSuffix);
}

std::vector<NamedTopic> ProviderTopics(std::string_view provider) {
  return {{ProviderSubmittedTopic(provider), kProviderTopicPartitions},
          {DeadLetterTopic(ProviderSubmittedTopic(provider)), 1},
          {ProviderUpdatedTopic(provider), kProviderTopicPartitions}};
}

std::optional<std::string> ProviderOfSubmittedTopic(std::string_view topic) {
  if (topic.size() <= kSubmittedSuffix.size() || !topic.ends_with(kSubmittedSuffix)) {
    return std::nullopt;
  }
  return std::string(topic.substr(0, topic.size() - kSubmittedSuffix.size()));
}

}  // namespace claims
