// The one catalog of Kafka topics: every producer, consumer and the embedded broker use these
// names and partition counts, so a typo is a compile error rather than a silently auto-created
// topic. Event schemas: shared/docs/events.md.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace claims {

namespace topics {
inline constexpr std::string_view kPolicyCreated = "policy-created";
inline constexpr std::string_view kPolicyUpdated = "policy-updated";
inline constexpr std::string_view kPolicyDeleted = "policy-deleted";
inline constexpr std::string_view kClaimEvents = "claim-events";
inline constexpr std::string_view kPaymentCommands = "payment-commands";
inline constexpr std::string_view kPaymentEvents = "payment-events";
// claims-joiner's output: each claim's terminal state joined with its policy and payment.
inline constexpr std::string_view kClaimPaymentsJoined = "claim-payments.joined";
}  // namespace topics

// The consumer groups of the product's services; tools read their committed offsets (lag).
namespace groups {
inline constexpr std::string_view kClaimService = "claim-service";  // payment-events
inline constexpr std::string_view kClaimServiceIntake =
    "claim-service-intake";                                             // providers' topics
inline constexpr std::string_view kPaymentService = "payment-service";  // payment-commands
// claims-joiner reads its five topics with assign() and commits under this id only to show lag.
inline constexpr std::string_view kClaimsJoiner = "claims-joiner";
}  // namespace groups

struct ConsumerGroupSpec {
  std::string_view name;
  std::span<const std::string_view> topics;  // what it consumes
  bool provider_topics;                      // and every "<provider>-claim.submitted"
};
std::span<const ConsumerGroupSpec> ConsumerGroups();

// claims-joiner's inputs: the policy topics, claim-events and payment-events.
std::span<const std::string_view> JoinerInputTopics();

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

// A provider's own topics (claim-service/docs/providers.md), created with the provider: its
// claims come in on "<provider>-claim.submitted" (what cannot be taken goes to its .dlq) and
// their state changes go out on "<provider>-claim.updated", keyed by claim_id.
struct NamedTopic {
  std::string name;
  int partitions = 1;
};
std::string ProviderSubmittedTopic(std::string_view provider);
std::string ProviderUpdatedTopic(std::string_view provider);
// The submitted topic, its dead-letter topic and the updated topic, with partition counts.
std::vector<NamedTopic> ProviderTopics(std::string_view provider);
// "saa-claim.submitted" -> "saa"; nullopt for any other topic (its .dlq included).
std::optional<std::string> ProviderOfSubmittedTopic(std::string_view topic);
// Every provider's submitted topic, as a librdkafka subscription pattern (a regex).
inline constexpr std::string_view kProviderSubmittedPattern =
    "^[a-z][a-z0-9-]*[a-z0-9]-claim\\.submitted$";

}  // namespace claims
