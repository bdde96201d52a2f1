// The one catalog of Kafka topics: every producer, consumer and the embedded broker use these
// names and partition counts, so a typo is a compile error rather than a silently auto-created
// topic. Event schemas: shared/docs/events.md.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace claims {

namespace topics {
inline constexpr std::string_view kPolicyCreated = "policy-created";
inline constexpr std::string_view kPolicyUpdated = "policy-updated";
inline constexpr std::string_view kPolicyDeleted = "policy-deleted";
inline constexpr std::string_view kClaimEvents = "claim-events";
inline constexpr std::string_view kPaymentCommands = "payment-commands";
inline constexpr std::string_view kPaymentEvents = "payment-events";
}  // namespace topics

struct TopicSpec {
  std::string_view name;
  int partitions;
  // What the message key is, for documentation and checks ("policy_id", "claim_id").
  std::string_view key;
  // True when a service of this product consumes the topic; such a topic has a dead-letter topic
  // DeadLetterTopic(name) for messages the consumer could not decode or validate.
  bool consumed;
};

// The primary topics, in a fixed order.
std::span<const TopicSpec> PrimaryTopics();
// "payment-commands" -> "payment-commands.dlq".
std::string DeadLetterTopic(std::string_view topic);
// Every topic the broker must have (primary topics and the dead-letter topics), with partitions.
std::span<const TopicSpec> AllTopics();
// The spec of a catalog topic, or nullptr.
const TopicSpec* FindTopic(std::string_view name);

}  // namespace claims
