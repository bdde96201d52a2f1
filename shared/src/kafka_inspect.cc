#include "shared/kafka_inspect.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "shared/kafka_client.h"

namespace claims {
namespace {

int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

StatusOr<rd_kafka_t*> LookingClient(const KafkaSettings& settings, const std::string& group) {
  return NewAssignOnlyConsumer(settings, group, /*partition_eof=*/true);
}

void CloseClient(rd_kafka_t* rk) {
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

// Every topic with its partition count. Asked for all topics, never for one by name: the
// embedded broker creates a topic a metadata request names, and looking must not create.
StatusOr<std::map<std::string, int>> AllTopics(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, Ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(std::string("kafka metadata: ") + rd_kafka_err2str(err));
  }
  std::map<std::string, int> topics;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    const std::string name = t.topic;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR || name.starts_with("__")) continue;
    topics[name] = t.partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  return topics;
}

}  // namespace

StatusOr<rd_kafka_t*> NewAssignOnlyConsumer(const KafkaSettings& settings, std::string_view group,
                                            bool partition_eof) {
  KafkaConfigEntries entries = ConsumerConfig(settings, group);
  entries.emplace_back("enable.auto.commit", "false");
  entries.emplace_back("enable.partition.eof", partition_eof ? "true" : "false");
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(entries);
  if (!conf.ok()) return conf.status();
  StatusOr<rd_kafka_t*> rk = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!rk.ok()) return rk.status();
  rd_kafka_poll_set_consumer(*rk);
  return *rk;
}

StatusOr<std::unique_ptr<KafkaInspector>> KafkaInspector::Create(const KafkaSettings& settings) {
  StatusOr<rd_kafka_t*> rk = LookingClient(settings, "claimsctl-inspect");
  if (!rk.ok()) return rk.status();
  std::unique_ptr<KafkaInspector> inspector(new KafkaInspector());
  inspector->rk_ = *rk;
  return inspector;
}

KafkaInspector::~KafkaInspector() {
  if (rk_ != nullptr) CloseClient(rk_);
}

StatusOr<std::map<std::string, int>> KafkaInspector::ListTopics(std::chrono::milliseconds timeout) {
  return AllTopics(rk_, timeout);
}

StatusOr<std::vector<PartitionWatermarks>> KafkaInspector::Watermarks(
    const std::string& topic, std::chrono::milliseconds timeout) {
  StatusOr<std::map<std::string, int>> topics = AllTopics(rk_, timeout);
  if (!topics.ok()) return topics.status();
  const auto found = topics->find(topic);
  if (found == topics->end()) return NotFound("the cluster has no topic " + topic);
  std::vector<PartitionWatermarks> marks;
  for (int p = 0; p < found->second; ++p) {
    PartitionWatermarks m{p, 0, 0};
    const rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p, &m.low, &m.high, Ms(timeout));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable("watermarks of " + topic + "/" + std::to_string(p) + ": " +
                         rd_kafka_err2str(err));
    }
    marks.push_back(m);
  }
  return marks;
}

StatusOr<std::vector<KafkaMessage>> KafkaInspector::ReadAll(const std::string& topic,
                                                            std::chrono::milliseconds timeout) {
  return ReadFrom(topic, {}, timeout);
}

StatusOr<std::vector<KafkaMessage>> KafkaInspector::ReadFrom(const std::string& topic,
                                                             const std::map<int, int64_t>& from,
                                                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  StatusOr<std::vector<PartitionWatermarks>> marks = Watermarks(topic, timeout);
  if (!marks.ok()) return marks.status();
  std::map<int, int64_t> high;  // the partitions still to read, to their high watermark
  rd_kafka_topic_partition_list_t* parts =
      rd_kafka_topic_partition_list_new(static_cast<int>(marks->size()));
  for (const PartitionWatermarks& m : *marks) {
    const auto start = from.find(m.partition);
    const int64_t first = start == from.end() ? m.low : std::max(m.low, start->second);
    if (m.high <= first) continue;
    high[m.partition] = m.high;
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), m.partition)->offset = first;
  }
  std::map<int, std::vector<KafkaMessage>> read;
  if (!high.empty()) rd_kafka_assign(rk_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  while (!high.empty() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    if (m == nullptr) continue;
    const auto it = high.find(m->partition);
    if (it != high.end()) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset < it->second) {
        read[m->partition].push_back(CopyKafkaMessage(*m));
      }
      // Offsets may have gaps (transaction markers), so the end is the watermark, or the
      // partition's end when it comes first.
      const bool at_end = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF
                              ? true
                              : m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset + 1 >= it->second;
      if (at_end) high.erase(it);
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk_, nullptr);
  if (!high.empty()) {
    return Unavailable("reading " + topic + " did not finish within " +
                       std::to_string(timeout.count()) + " ms");
  }
  std::vector<KafkaMessage> all;
  for (auto& [partition, messages] : read) {
    for (KafkaMessage& m : messages) all.push_back(std::move(m));
  }
  return all;
}

Status KafkaInspector::ScanPartition(const std::string& topic, int partition, int64_t from,
                                     int64_t end, const std::function<bool(KafkaMessage&&)>& visit,
                                     std::chrono::milliseconds timeout) {
  if (from >= end) return Status::Ok();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, topic.c_str(), partition)->offset = from;
  rd_kafka_assign(rk_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      done = true;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition == partition) {
      if (m->offset < end && !visit(CopyKafkaMessage(*m))) done = true;
      // Offsets may have gaps (transaction markers): the end is `end`, or the partition's.
      if (m->offset + 1 >= end) done = true;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_assign(rk_, nullptr);
  if (!done) {
    return Unavailable("reading " + topic + "/" + std::to_string(partition) +
                       " did not finish within " + std::to_string(timeout.count()) + " ms");
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<GroupOffsets>> GroupOffsets::Create(const KafkaSettings& settings,
                                                             const std::string& group) {
  StatusOr<rd_kafka_t*> rk = LookingClient(settings, group);
  if (!rk.ok()) return rk.status();
  std::unique_ptr<GroupOffsets> offsets(new GroupOffsets());
  offsets->group_ = group;
  offsets->rk_ = *rk;
  return offsets;
}

GroupOffsets::~GroupOffsets() {
  if (rk_ != nullptr) CloseClient(rk_);
}

StatusOr<std::map<std::string, std::map<int, int64_t>>> GroupOffsets::Committed(
    const std::map<std::string, int>& topics, std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(0);
  for (const auto& [topic, partitions] : topics) {
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  }
  const rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list, Ms(timeout));
  std::map<std::string, std::map<int, int64_t>> committed;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      committed[tp.topic][tp.partition] = tp.offset < 0 ? -1 : tp.offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable("committed offsets of group " + group_ + ": " + rd_kafka_err2str(err));
  }
  return committed;
}

}  // namespace claims
