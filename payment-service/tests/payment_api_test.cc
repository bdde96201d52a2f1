// payment-service's HTTP API over real HTTP, with the mock Kafka cluster in-process: its OpenAPI
// document names every route and says what each answers, checked before and after a payment
// command has been paid. One server for the binary (Pistache leaks descriptors per start).
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <unistd.h>

#include "payment_service/payment_service.h"
#include "shared/json_log.h"
#include "shared/kafka_publisher.h"
#include "shared/mock_kafka_cluster.h"
#include "shared/payment_messages.h"
#include "shared/topic_catalog.h"
#include "testing/http_client.h"
#include "testing/openapi_check.h"

namespace claims {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::HttpResult;

TEST(PaymentApiTest, OpenApiDocumentSaysWhatTheServiceAnswers) {
  SetLogLevel(LogLevel::kError);
  auto cluster = MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("claims_PaymentApiTest_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  PaymentServiceConfig config;
  config.http.port = 0;
  config.http.access_log = false;
  config.data_dir = dir.string();
  config.kafka.bootstrap_servers = (*cluster)->bootstrap_servers();
  config.fsync = wal::FsyncPolicy::kNone;
  config.gateway.ledger_path = (dir / "ledger.sqlite").string();
  SystemClock clock;
  auto service = PaymentService::Start(config, clock);
  ASSERT_TRUE(service.ok()) << service.status().ToString();
  HttpClient client((*service)->port());

  const json doc = json::parse(PaymentServiceOpenApi());
  HttpResult served = client.Get("/openapi.json");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.Json(), doc);
  testing::ExpectRoutesDocumented(doc, (*service)->routes());
  testing::ProbeDocumentedOperations(client, doc, {});

  // A payment to read: one command through the broker, as claim-service sends it.
  prometheus::Registry metrics;
  auto producer = KafkaEventPublisher::Create(config.kafka, metrics);
  ASSERT_TRUE(producer.ok());
  PaymentCommand command;
  command.event_id = "pay-openapi/PAYMENT_REQUESTED/1";
  command.claim_id = "claim-openapi";
  command.payment_id = "pay-openapi";
  command.amount_cents = 12345;
  command.provider_npi = "1234567890";
  command.issued_at = "2026-12-01T00:00:00.000Z";
  const std::vector<OutgoingEvent> events{
      EncodePaymentCommand(command, {"claim-service", "claim-test"})};
  ASSERT_TRUE((*producer)->PublishAll(events, std::chrono::seconds(10)).ok());
  HttpResult listed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    listed = client.Get("/payments?claim_id=claim-openapi");
    if (listed.status == 200 && !listed.Json().empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(listed.Json().size(), 1u) << listed.body;
  testing::ExpectDocumentedAnswer(doc, "GET", "/payments", listed);
  testing::ProbeDocumentedOperations(client, doc, {{"payment_id", "pay-openapi"}});
  const json paid = client.Get("/payments/pay-openapi").Json();
  EXPECT_EQ(paid.value("status", ""), "SETTLED");
  // The gateway ledger's own entry for the idempotency key, beside payment-service's row.
  ASSERT_TRUE(paid["ledger"].is_object()) << paid;
  EXPECT_EQ(paid["ledger"]["status"], "SETTLED");
  EXPECT_EQ(paid["ledger"]["amount"], "123.45");
  EXPECT_EQ(paid["ledger"]["claim_id"], "claim-openapi");

  // The metrics of that payment: the gateway's answer, the WAL's writes, the first snapshot.
  const std::string metrics_text = client.Get("/metrics").body;
  EXPECT_NE(
      metrics_text.find(
          "claims_gateway_outcomes_total{command=\"PAYMENT_REQUESTED\",outcome=\"settled\"} 1"),
      std::string::npos)
      << metrics_text;
  for (const char* series : {"claims_wal_append_seconds_count", "claims_wal_group_entries_count",
                             "claims_wal_write_seconds_count"}) {
    EXPECT_GT(testing::MetricValue(metrics_text, series), 0) << series;
  }
  EXPECT_GT(testing::MetricValue(metrics_text, "claims_snapshot_last_timestamp_seconds"), 1.7e9)
      << "the first snapshot's time";
  EXPECT_EQ(testing::MetricValue(metrics_text,
                                 "claims_messages_consumed_total{group=\"payment-service\"}"),
            1);
  EXPECT_EQ(testing::MetricValue(metrics_text,
                                 "claims_consumer_lag_messages{group=\"payment-"
                                 "service\",topic=\"payment-commands\"}"),
            0);

  (*service)->Shutdown(std::chrono::milliseconds(1000));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace claims
