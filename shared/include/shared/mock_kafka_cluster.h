// MockKafkaCluster: librdkafka's in-memory mock cluster with every topic of the catalog created
// up front with its partition count. It speaks the Kafka protocol on 127.0.0.1 (ports chosen by
// the kernel), so other processes can use it. The embedded broker and the integration tests
// run it. Traps of the 2.0.2 mock: docs/dependencies.md.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "shared/status.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace claims {

class MockKafkaCluster {
 public:
  // Errors: kInternal if the cluster or a topic cannot be created.
  static StatusOr<std::unique_ptr<MockKafkaCluster>> Start(int brokers);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // "127.0.0.1:port,..."
  const std::string& bootstrap_servers() const { return bootstrap_; }
  int brokers() const { return brokers_; }

  // Takes broker `id` (1-based) down or up again, for fault tests.
  Status SetBrokerDown(int id);
  Status SetBrokerUp(int id);
  // Delays every answer of broker `id` by `rtt` (0: none again): a stalled broker that still
  // takes what it is sent, for fault tests.
  Status SetBrokerRtt(int id, std::chrono::milliseconds rtt);

 private:
  MockKafkaCluster() = default;
  rd_kafka_t* host_ = nullptr;  // the client handle that owns the mock cluster's threads
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstrap_;
  int brokers_ = 0;
};

}  // namespace claims
