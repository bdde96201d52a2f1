#include "shared/kafka_admin.h"

#include <memory>
#include <thread>

#include "shared/kafka_client.h"

namespace claims {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return static_cast<int>(std::max<int64_t>(1, left.count()));
}

// CreateTopics through the admin API; a topic that exists already is not an error.
Status CreateTopics(rd_kafka_t* rk, const std::vector<NamedTopic>& wanted,
                    SteadyClock::time_point deadline) {
  char err[512];
  std::vector<rd_kafka_NewTopic_t*> topics;
  const auto free_topics = [&] {
    for (rd_kafka_NewTopic_t* t : topics) rd_kafka_NewTopic_destroy(t);
  };
  for (const NamedTopic& t : wanted) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.name.c_str(), t.partitions, -1, err,
                                                    sizeof err);  // -1: the broker's default
    if (nt == nullptr) {
      free_topics();
      return InvalidArgument("topic " + t.name + ": " + err);
    }
    topics.push_back(nt);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(options, RemainingMs(deadline), err, sizeof err);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, RemainingMs(deadline) + 1000);
  Status result = Status::Ok();
  if (event == nullptr) {
    result = Unavailable("the Kafka cluster did not answer CreateTopics in time");
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = Unavailable(std::string("CreateTopics failed: ") + rd_kafka_event_error_string(event));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
    for (size_t i = 0; i < n && result.ok(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
      const char* why = rd_kafka_topic_result_error_string(results[i]);
      result = Internal(std::string("the cluster refused topic ") +
                        rd_kafka_topic_result_name(results[i]) + ": " +
                        (why != nullptr ? why : rd_kafka_err2name(e)));
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  free_topics();
  return result;
}

// The topic's partition count from a metadata request (which makes the embedded broker create
// it). 0 while the cluster does not know the topic yet.
StatusOr<int> PartitionCount(rd_kafka_t* rk, const std::string& name,
                             SteadyClock::time_point deadline) {
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, name.c_str(), nullptr);
  if (topic == nullptr) return InvalidArgument("topic " + name + " cannot be named");
  const rd_kafka_metadata_t* metadata = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, topic, &metadata, RemainingMs(deadline));
  rd_kafka_topic_destroy(topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(std::string("kafka broker unreachable: ") + rd_kafka_err2str(err));
  }
  int partitions = 0;
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    partitions = metadata->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(metadata);
  return partitions;
}

}  // namespace

StatusOr<std::vector<NamedTopic>> EnsureTopics(const KafkaSettings& settings,
                                               const std::vector<NamedTopic>& wanted,
                                               std::chrono::milliseconds timeout) {
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(ProducerConfig(settings));
  if (!conf.ok()) return conf.status();
  StatusOr<rd_kafka_t*> client = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!client.ok()) return client.status();
  const std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> rk(*client, rd_kafka_destroy);
  if (settings.profile == KafkaProfile::kProduction) {
    CLAIMS_RETURN_IF_ERROR(CreateTopics(rk.get(), wanted, deadline));
  }
  std::vector<NamedTopic> created;
  for (const NamedTopic& t : wanted) {
    for (;;) {
      StatusOr<int> partitions = PartitionCount(rk.get(), t.name, deadline);
      if (!partitions.ok()) return partitions.status();
      if (*partitions > 0) {
        created.push_back({t.name, *partitions});
        break;
      }
      // Just created: the cluster's metadata catches up within moments.
      if (SteadyClock::now() >= deadline) {
        return Unavailable("topic " + t.name + " does not show in the cluster's metadata yet");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return created;
}

}  // namespace claims
