// Reading topics in tests: a consumer with plain assign() (no group, so no rebalance wait) over
// every partition of one topic, from the beginning.
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
  TopicReader(const std::string& bootstrap_servers, const std::string& topic);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  // Reads until `done` holds for the messages read so far (all of them, from the beginning) or
  // `timeout` passes; returns what was read.
  std::vector<ConsumedMessage> ReadUntil(
      const std::function<bool(const std::vector<ConsumedMessage>&)>& done,
      std::chrono::milliseconds timeout);

 private:
  rd_kafka_t* consumer_;
  std::string topic_;
  std::vector<ConsumedMessage> read_;
};

}  // namespace claims::testing
