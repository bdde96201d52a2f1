// One claim-service over real HTTP on a mock Kafka cluster in the test process, and the checks
// the HTTP tests share. A binary starts one in SetUpTestSuite and keeps it for its tests
// (Pistache leaks descriptors per endpoint start).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "claim_service/claim_service.h"
#include "shared/mock_kafka_cluster.h"
#include "test_policies.h"
#include "testing/http_client.h"

namespace claims::testing {

// An instance on a free port with no access log, on `data_dir` and the broker at `bootstrap`.
inline ClaimServiceConfig TestServiceConfig(const std::string& data_dir,
                                            const std::string& bootstrap,
                                            const std::string& instance_id) {
  ClaimServiceConfig c;
  c.http.port = 0;
  c.http.access_log = false;
  c.data_dir = data_dir;
  c.kafka.bootstrap_servers = bootstrap;
  c.instance_id = instance_id;
  return c;
}

struct ServiceUnderTest {
  std::unique_ptr<MockKafkaCluster> cluster;
  std::string data_dir;
  std::unique_ptr<ClaimService> service;
};

// Starts a cluster of `brokers` and a claim-service on a fresh directory named after the suite;
// `adjust` changes the config first. Fails the test and returns nullptr when either cannot start.
inline std::unique_ptr<ServiceUnderTest> StartServiceUnderTest(
    int brokers, const std::string& instance_id, const Clock& clock,
    const std::function<void(ClaimServiceConfig&)>& adjust = {}) {
  auto stack = std::make_unique<ServiceUnderTest>();
  auto cluster = MockKafkaCluster::Start(brokers);
  if (!cluster.ok()) {
    ADD_FAILURE() << cluster.status().ToString();
    return nullptr;
  }
  stack->cluster = std::move(*cluster);
  stack->data_dir = TestDirectory();
  ClaimServiceConfig config =
      TestServiceConfig(stack->data_dir, stack->cluster->bootstrap_servers(), instance_id);
  if (adjust) adjust(config);
  auto service = ClaimService::Start(config, clock);
  if (!service.ok()) {
    ADD_FAILURE() << service.status().ToString();
    return nullptr;
  }
  stack->service = std::move(*service);
  return stack;
}

// An error answer in the API's one shape: the status, problem+json, the type and a detail.
inline void ExpectProblem(const HttpResult& r, long status, const std::string& type) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/problem+json") << r.body;
  const nlohmann::json body = r.Json();
  EXPECT_EQ(body.value("type", ""), "/problems/" + type) << r.body;
  EXPECT_EQ(body.value("status", 0), status) << r.body;
  EXPECT_FALSE(body.value("detail", "").empty()) << r.body;
}

}  // namespace claims::testing
