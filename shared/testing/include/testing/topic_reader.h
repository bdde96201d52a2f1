// Reading topics in tests: a consumer with plain assign() (no group, so no rebalance wait) over
// every partition of one topic, from the beginning. Each message read from a topic with a
// schema (SchemaForTopic) is checked against it, and a mismatch fails the test.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "shared/kafka_consumer.h"

namespace claims::testing {

using ConsumedMessage = KafkaMessage;

class TopicReader {
 public:
  // `validate` false: a test that put messages on the topic that are meant not to match.
  TopicReader(const std::string& bootstrap_servers, const std::string& topic, bool validate = true);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Reads until `done` holds for the messages read so far (all of them, from the beginning) or
  // `timeout` passes; returns what was read.
  std::vector<ConsumedMessage> ReadUntil(
      const std::function<bool(const std::vector<ConsumedMessage>&)>& done,
      std::chrono::milliseconds timeout);

 private:
  void CheckSchema(const ConsumedMessage& m) const;

  rd_kafka_t* consumer_;
  std::string topic_;
  bool validate_;
  std::vector<ConsumedMessage> read_;
};

}  // namespace claims::testing
