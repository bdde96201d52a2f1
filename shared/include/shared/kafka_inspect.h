// Looking at topics from outside the services, for the operator's tools (claimsctl dlq, monitor)
// and the stats route: partitions and watermarks, a consumer group's committed offsets, and a
// whole topic read from its first to its last offset. Nothing here joins a consumer group or
// commits anything, so the services' groups are never disturbed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/kafka_config.h"
#include "shared/kafka_consumer.h"
#include "shared/status.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace claims {

struct PartitionWatermarks {
  int partition = 0;
  int64_t low = 0;   // the first offset still kept
  int64_t high = 0;  // the offset the next message will get
};

// A consumer that is given its partitions with assign() and never joins `group` (the id only
// names it to the cluster, for committed offsets) nor commits by itself; with `partition_eof`
// it reports each partition's end. Polled with rd_kafka_consumer_poll. Errors: kInvalidArgument.
StatusOr<rd_kafka_t*> NewAssignOnlyConsumer(const KafkaSettings& settings, std::string_view group,
                                            bool partition_eof);

// A client for looking, with no group (or, for CommittedOffsets, a group it never joins).
class KafkaInspector {
 public:
  // Errors: kInvalidArgument for a bad setting.
  static StatusOr<std::unique_ptr<KafkaInspector>> Create(const KafkaSettings& settings);
  ~KafkaInspector();
  KafkaInspector(const KafkaInspector&) = delete;
  KafkaInspector& operator=(const KafkaInspector&) = delete;

  // Every topic of the cluster with its partition count, by name (internal topics left out).
  // Errors: kUnavailable when no broker answers within `timeout`.
  StatusOr<std::map<std::string, int>> ListTopics(std::chrono::milliseconds timeout);
  // The watermarks of each partition of `topic`. Errors: kNotFound for an unknown topic,
  // kUnavailable.
  StatusOr<std::vector<PartitionWatermarks>> Watermarks(const std::string& topic,
                                                        std::chrono::milliseconds timeout);
  // Every message of `topic` from each partition's low to its high watermark (as they were when
  // called), in partition then offset order. Errors: kNotFound, kUnavailable (the read did not
  // finish within `timeout`).
  StatusOr<std::vector<KafkaMessage>> ReadAll(const std::string& topic,
                                              std::chrono::milliseconds timeout);
  // The same from the given offset of each partition (a partition not named: from its low
  // watermark) to its high watermark.
  StatusOr<std::vector<KafkaMessage>> ReadFrom(const std::string& topic,
                                               const std::map<int, int64_t>& from,
                                               std::chrono::milliseconds timeout);
  // Hands each message of `partition` of `topic` from offset `from` up to `end` (exclusive) to
  // `visit`, in offset order, until `visit` returns false or `end` is reached; nothing is kept.
  // Errors: kUnavailable (it did not get there within `timeout`).
  Status ScanPartition(const std::string& topic, int partition, int64_t from, int64_t end,
                       const std::function<bool(KafkaMessage&&)>& visit,
                       std::chrono::milliseconds timeout);

 private:
  KafkaInspector() = default;
  rd_kafka_t* rk_ = nullptr;
};

// The offsets a consumer group has committed, read with a client that carries the group's id
// but never joins it (so the group never rebalances because of it).
class GroupOffsets {
 public:
  // Errors: kInvalidArgument for a bad setting.
  static StatusOr<std::unique_ptr<GroupOffsets>> Create(const KafkaSettings& settings,
                                                        const std::string& group);
  ~GroupOffsets();
  GroupOffsets(const GroupOffsets&) = delete;
  GroupOffsets& operator=(const GroupOffsets&) = delete;

  // For each partition of `topics` (name -> partition count), the committed offset (-1: none
  // yet), by topic. Errors: kUnavailable.
  StatusOr<std::map<std::string, std::map<int, int64_t>>> Committed(
      const std::map<std::string, int>& topics, std::chrono::milliseconds timeout);

 private:
  GroupOffsets() = default;
  std::string group_;
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace claims
