// KafkaEventPublisher: an EventPublisher over a librdkafka idempotent producer.
// A background thread serves delivery reports and wakes the PublishAll call waiting for them:
// each failed delivery is logged with its event id and counted in claims_events_failed_total;
// successes in claims_events_delivered_total.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include "shared/event_publisher.h"
#include "shared/kafka_config.h"

typedef struct rd_kafka_s rd_kafka_t;
// librdkafka's own name.
typedef struct rd_kafka_message_s rd_kafka_message_t;  // NOLINT(readability-identifier-naming)
typedef struct rd_kafka_topic_s rd_kafka_topic_t;      // NOLINT(readability-identifier-naming)

namespace claims {

class KafkaEventPublisher final : public EventPublisher {
 public:
  // Errors: kInvalidArgument for a bad setting. Connecting happens in the background; a broker
  // that is down is not an error here (see CheckBroker).
  static StatusOr<std::unique_ptr<KafkaEventPublisher>> Create(const KafkaSettings& settings,
                                                               prometheus::Registry& metrics);
  ~KafkaEventPublisher() override;  // flushes for up to 10 s, then drops what is left
  KafkaEventPublisher(const KafkaEventPublisher&) = delete;
  KafkaEventPublisher& operator=(const KafkaEventPublisher&) = delete;

  Status PublishAll(std::span<const OutgoingEvent> events,
                    std::chrono::milliseconds timeout) override;

  // Waits until every queued event is delivered or failed, up to `timeout`.
  // Errors: kUnavailable if events are still queued when the time is up.
  Status Flush(std::chrono::milliseconds timeout);

  // Asks the cluster for metadata. OK when a broker answered within `timeout`.
  Status CheckBroker(std::chrono::milliseconds timeout);

 private:
  explicit KafkaEventPublisher(prometheus::Registry& metrics);
  struct Batch;
  void OnDelivery(const rd_kafka_message_t& message);
  Status Produce(const OutgoingEvent& event, void* ticket);
  void PollLoop();

  rd_kafka_t* producer_ = nullptr;  // set once by Create
  // The catalog's topics, known to the client from the start (see Create).
  std::vector<rd_kafka_topic_t*> known_topics_;
  prometheus::Counter& delivered_counter_;
  prometheus::Counter& failed_counter_;
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace claims
