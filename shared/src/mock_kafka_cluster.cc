#include "shared/mock_kafka_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "shared/kafka_client.h"
#include "shared/topic_catalog.h"

namespace claims {

StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Start(int brokers) {
  std::unique_ptr<MockKafkaCluster> mock(new MockKafkaCluster());
  // The host handle never connects anywhere; it only runs the mock cluster.
  StatusOr<rd_kafka_conf_t*> conf =
      NewKafkaConf({{"client.id", "embedded-broker"}, {"log_level", "3"}});
  if (!conf.ok()) return conf.status();
  StatusOr<rd_kafka_t*> host = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!host.ok()) return host.status();
  mock->host_ = *host;
  mock->cluster_ = rd_kafka_mock_cluster_new(mock->host_, brokers);
  if (mock->cluster_ == nullptr) return Internal("cannot create the mock Kafka cluster");
  mock->brokers_ = brokers;
  mock->bootstrap_ = rd_kafka_mock_cluster_bootstraps(mock->cluster_);
  const int replication = brokers < 3 ? brokers : 3;
  for (const TopicSpec& topic : AllTopics()) {
    const std::string name(topic.name);
    const rd_kafka_resp_err_t err =
        rd_kafka_mock_topic_create(mock->cluster_, name.c_str(), topic.partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Internal("cannot create topic " + name + ": " + rd_kafka_err2str(err));
    }
  }
  return mock;
}

MockKafkaCluster::~MockKafkaCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (host_ != nullptr) rd_kafka_destroy(host_);
}

Status MockKafkaCluster::SetBrokerDown(int id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_down(cluster_, id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return InvalidArgument(rd_kafka_err2str(err));
  return Status::Ok();
}

Status MockKafkaCluster::SetBrokerUp(int id) {
  const rd_kafka_resp_err_t err = rd_kafka_mock_broker_set_up(cluster_, id);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return InvalidArgument(rd_kafka_err2str(err));
  return Status::Ok();
}

Status MockKafkaCluster::SetBrokerRtt(int id, std::chrono::milliseconds rtt) {
  const rd_kafka_resp_err_t err =
      rd_kafka_mock_broker_set_rtt(cluster_, id, static_cast<int>(rtt.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return InvalidArgument(rd_kafka_err2str(err));
  return Status::Ok();
}

}  // namespace claims
