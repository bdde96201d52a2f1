// Dead letters: the messages a consumer could not use, kept in TOPIC.dlq with the error and
// where they came from (shared/docs/events.md "Dead letters"). Reading, choosing and re-driving
// them, for the operator's two ways in: `claimsctl dlq` and claim-service's /dead-letters routes
// (the console's page). Nothing here joins a consumer group or commits anything.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/event_envelope.h"
#include "shared/kafka_config.h"
#include "shared/kafka_consumer.h"
#include "shared/status.h"

namespace claims {

// Which dead letters an action applies to; every criterion given must hold.
struct DeadLetterSelection {
  int partition = -1;   // of the dead-letter topic; -1: any
  std::string offsets;  // "N" or "A-B" (inclusive), of the dead-letter topic; "": any
  std::string error;    // a text the error contains
  std::string key;      // the message key, exactly

  bool Any() const { return partition >= 0 || !offsets.empty() || !error.empty() || !key.empty(); }
};

// "N" or "A-B" with 0 <= A <= B. False for anything else.
bool ParseOffsetRange(const std::string& text, int64_t* first, int64_t* last);

// "saa-claim.submitted" and "saa-claim.submitted.dlq" both name "saa-claim.submitted.dlq".
std::string DeadLetterTopicFor(const std::string& topic);

// Whether `m` is chosen by `selection` (whose offsets, if any, parse).
bool IsSelected(const DeadLetterSelection& selection, const KafkaMessage& m);

// The value of header `name`, "" when it has none.
std::string HeaderOf(const KafkaMessage& m, const std::string& name);

// A dead letter as JSON: topic, partition, offset, key, error, original_topic,
// original_partition, original_offset, redriven_from, headers (the others), value (parsed when
// it is JSON within the usual limits (json_limits.h), else the text), value_dropped (a stub's
// left-out value size in bytes, else null).
nlohmann::json DeadLetterJson(const KafkaMessage& m);

// The message to publish again: the dead letter's bytes, key and headers on the topic it came
// from, its error dropped and "redriven_from" naming the dead letter. The original position stays
// in its headers, so a consumer that keys on it (the provider intake) sees the same message.
OutgoingEvent RedriveEvent(const KafkaMessage& dead);

// Where one read of a dead-letter topic starts and how much it does: from `from_offset` of
// `from_partition` (then every later partition from its first offset), reading at most `scan`
// messages and `scan_bytes` bytes of keys and values, keeping at most `keep` of those chosen.
// Nothing read is kept but what is chosen, so a read costs at most `keep` dead letters.
struct DeadLetterPage {
  int from_partition = 0;
  int64_t from_offset = 0;
  size_t keep = 1000;
  size_t scan = 100000;
  size_t scan_bytes = size_t{64} << 20;

  static DeadLetterPage Everything();  // from the start, with no bound
};

struct DeadLetters {
  size_t total = 0;                  // every dead letter of the topic
  size_t selected = 0;               // the ones read that the selection chose, kept or not
  std::vector<KafkaMessage> picked;  // the first `keep` of them, in partition, offset order
  // Where a next read goes on ("partition:offset"): the first chosen dead letter not kept, or
  // where the read stopped at its bounds; empty when it read to the end and kept every one.
  std::string next;
};

// "P:O" (a partition and an offset, both 0 or more) into *partition and *offset.
bool ParsePagePosition(const std::string& text, int* partition, int64_t* offset);

// The dead letters of `dlq_topic` that `selection` chooses, read as `page` says (in partition,
// offset order). Errors: kInvalidArgument (offsets that do not parse, a bad setting),
// kNotFound (no such topic), kUnavailable (no broker answered within `timeout`).
StatusOr<DeadLetters> ReadDeadLetters(const KafkaSettings& settings, const std::string& dlq_topic,
                                      const DeadLetterSelection& selection,
                                      const DeadLetterPage& page,
                                      std::chrono::milliseconds timeout);

struct RedrivePlan {
  std::vector<OutgoingEvent> events;    // to publish, one per dead letter taken
  std::vector<nlohmann::json> taken;    // {partition, offset, key, to} of each
  std::vector<nlohmann::json> refused;  // {partition, offset, reason}: not this topic's
};

// What re-driving `picked` (dead letters of `dlq_topic`) publishes: each goes back only to the
// topic it came from, and that must be the topic `dlq_topic` is the dead-letter topic of; a stub
// (its value dropped as too large) is refused, naming where the original is.
RedrivePlan PlanRedrive(const std::string& dlq_topic, const std::vector<KafkaMessage>& picked);

// Publishes the plan's events and waits until the brokers confirm them all. Errors: kUnavailable
// (some may have been published; consumers deduplicate by event id, so running it again is
// safe), kInvalidArgument for a bad setting.
Status PublishRedrive(const KafkaSettings& settings, const RedrivePlan& plan,
                      std::chrono::milliseconds timeout);

}  // namespace claims
