// ConsumerLoop against the in-process mock cluster: a batch whose handling fails for longer
// than max.poll.interval.ms is retried (with the consumer paused and polled meanwhile) until it
// goes through, and every message, those published during the failure too, is applied once and
// in order. (The mock cluster did not evict a member that stopped polling either, so this test
// does not tell the two loops apart; it holds the retry path to its promises.)
#include "shared/kafka_consumer.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "shared/json_log.h"
#include "shared/kafka_publisher.h"
#include "shared/mock_kafka_cluster.h"

namespace claims {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ConsumerLoopTest, AFailingBatchIsRetriedUntilItGoesThroughAndNothingIsAppliedTwice) {
  SetLogLevel(LogLevel::kError);
  auto cluster = MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  KafkaSettings settings;
  settings.bootstrap_servers = (*cluster)->bootstrap_servers();
  // The dev profile's session timeout is 6 s; the poll interval may not be below it.
  settings.properties = {{"max.poll.interval.ms", "6000"}};
  prometheus::Registry metrics;
  auto publisher = KafkaEventPublisher::Create(settings, metrics);
  ASSERT_TRUE(publisher.ok());
  const auto publish = [&](int from, int to) {
    std::vector<OutgoingEvent> events;
    for (int i = from; i < to; ++i) {
      events.push_back({"loop-test",
                        "k" + std::to_string(i % 3),
                        "e-" + std::to_string(i),
                        std::to_string(i),
                        {}});
    }
    ASSERT_TRUE((*publisher)->PublishAll(events, seconds(20)).ok());
  };
  publish(0, 20);

  auto consumer = KafkaConsumer::Create(settings, "loop-test-group", {"loop-test"});
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::mutex mu;
  std::map<std::string, std::vector<int>> applied;  // by key, in the order applied
  std::atomic<int> failures{0};
  const auto fail_until = std::chrono::steady_clock::now() + milliseconds(8000);
  ConsumerLoopOptions options;
  options.retry_backoff = milliseconds(100);
  options.max_retry_backoff = milliseconds(1000);
  {
    ConsumerLoop loop(
        **consumer, **publisher,
        [&](std::span<const KafkaMessage> batch, std::vector<OutgoingEvent>*) -> Status {
          if (std::chrono::steady_clock::now() < fail_until) {
            ++failures;
            return Unavailable("the database is away");
          }
          std::lock_guard lock(mu);
          for (const KafkaMessage& m : batch) applied[m.key].push_back(std::stoi(m.value));
          return Status::Ok();
        },
        options, metrics);
    std::this_thread::sleep_for(seconds(2));
    publish(20, 30);  // while the batch in hand keeps failing
    const auto deadline = std::chrono::steady_clock::now() + seconds(40);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu);
        size_t n = 0;
        for (const auto& [key, values] : applied) n += values.size();
        if (n >= 30) break;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    std::this_thread::sleep_for(seconds(2));  // room for a redelivery
  }
  EXPECT_GT(failures.load(), 5);
  std::lock_guard lock(mu);
  size_t total = 0;
  for (const auto& [key, values] : applied) {
    total += values.size();
    for (size_t i = 1; i < values.size(); ++i) {
      EXPECT_LT(values[i - 1], values[i]) << "key " << key << ": out of order or applied twice";
    }
  }
  EXPECT_EQ(total, 30u);
}

}  // namespace
}  // namespace claims
