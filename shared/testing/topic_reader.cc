#include "testing/topic_reader.h"

#include <librdkafka/rdkafka.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "shared/event_schemas.h"
#include "shared/kafka_client.h"
#include "shared/topic_catalog.h"

namespace claims::testing {

TopicReader::TopicReader(const std::string& bootstrap_servers, const std::string& topic,
                         bool validate)
    : topic_(topic), validate_(validate) {
  KafkaSettings settings;
  settings.bootstrap_servers = bootstrap_servers;
  KafkaConfigEntries entries = ConsumerConfig(settings, "test-reader");
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(entries);
  if (!conf.ok()) throw std::runtime_error(conf.status().ToString());
  StatusOr<rd_kafka_t*> rk = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!rk.ok()) throw std::runtime_error(rk.status().ToString());
  consumer_ = *rk;
  rd_kafka_poll_set_consumer(consumer_);
  // The catalog's count, or for another topic (a provider's) what the cluster reports.
  int partitions = 0;
  if (const TopicSpec* spec = FindTopic(topic)) {
    partitions = spec->partitions;
  } else {
    rd_kafka_topic_t* t = rd_kafka_topic_new(consumer_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(consumer_, 0, t, &metadata, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (metadata->topic_cnt == 1) partitions = metadata->topics[0].partition_cnt;
      rd_kafka_metadata_destroy(metadata);
    }
    rd_kafka_topic_destroy(t);
  }
  if (partitions == 0) throw std::invalid_argument("the cluster has no topic " + topic);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
}

// Every message a test reads from a topic with a schema must match it: so each test that
// reads what the services produce also checks the contract downstream consumers rely on.
void TopicReader::CheckSchema(const ConsumedMessage& m) const {
  const std::string_view schema = SchemaForTopic(m.topic);
  if (!validate_ || schema.empty()) return;
  const nlohmann::json value = nlohmann::json::parse(m.value, nullptr, false);
  const Status s =
      value.is_discarded() ? InvalidArgument("not JSON") : ValidateMessage(schema, value);
  if (!s.ok()) {
    ADD_FAILURE() << m.topic << "/" << m.partition << "/" << m.offset << ": " << s.ToString()
                  << "\n"
                  << m.value;
  }
}

TopicReader::~TopicReader() {
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

std::vector<ConsumedMessage> TopicReader::ReadUntil(
    const std::function<bool(const std::vector<ConsumedMessage>&)>& done,
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(read_) && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      read_.push_back(CopyKafkaMessage(*m));
      CheckSchema(read_.back());
    }
    rd_kafka_message_destroy(m);
  }
  return read_;
}

}  // namespace claims::testing
