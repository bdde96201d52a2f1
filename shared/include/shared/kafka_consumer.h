// KafkaConsumer: a consumer-group member over librdkafka with manual offset storage, and the
// loop every service runs on it: poll a batch, hand it to the service, send what the service
// could not decode or validate to the topic's dead-letter topic, and store the batch's offsets
// only once the service reports its effects durable. Offsets are committed in the background
// (enable.auto.commit) from what was stored, so a crash redelivers at most the unstored tail:
// consumers must be idempotent (they deduplicate by event id).
//
// Rebalancing is cooperative-sticky (incremental assign/unassign); a message of a partition
// revoked mid-batch is still processed, and its offset store fails silently: the new owner
// processes it again and deduplicates.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "shared/event_publisher.h"
#include "shared/kafka_config.h"
#include "shared/status.h"

typedef struct rd_kafka_s rd_kafka_t;
// librdkafka's own name.
typedef struct rd_kafka_message_s rd_kafka_message_t;  // NOLINT(readability-identifier-naming)

namespace claims {

// Where a message is (or was first) in the log.
struct MessagePosition {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::string ToString() const;  // "topic/partition/offset"
};

struct KafkaMessage {
  std::string topic;
  int partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;

  // The "event_id" header, or "" when missing.
  std::string EventId() const;
  // Where the message was first published: its own topic, partition and offset, or for a
  // message re-driven from a dead-letter topic onto this topic, the position its
  // "original_partition" and "original_offset" headers name.
  MessagePosition OriginalPosition() const;
};

// A copy of `m`'s topic, partition, offset, key, value and headers.
KafkaMessage CopyKafkaMessage(const rd_kafka_message_t& m);

// A dead letter's "error" header holds at most this many bytes of the error (then "... (N more
// bytes)"); a dead letter whose key, value and headers come to more than kMaxDeadLetterBytes is
// published as a stub (below). Both keep every dead letter under librdkafka's default
// message.max.bytes (1,000,000), which a provider's message near that size would otherwise
// pass once the dead-letter headers are added: the publish would fail for ever.
inline constexpr size_t kMaxDeadLetterErrorBytes = 4096;
inline constexpr size_t kMaxDeadLetterBytes = 900000;

// `error` cut to kMaxDeadLetterErrorBytes at a UTF-8 boundary, saying how much was cut.
std::string BoundedDeadLetterError(std::string_view error);

// The dead letter for `message`: the original bytes, key and headers, on DeadLetterTopic(topic),
// with headers "error" (first; BoundedDeadLetterError), "original_topic", "original_partition",
// "original_offset" (of OriginalPosition(), so a message dead-lettered again after a re-drive
// keeps its first position) and the original event id (or a derived one when it had none).
// Past kMaxDeadLetterBytes, a stub: no value and none of the original headers, the key cut to
// 256 bytes, and "value_dropped" giving the value's size in bytes.
OutgoingEvent DeadLetter(const KafkaMessage& message, std::string_view error);

// The headers the dead-letter topics and a re-drive add ("error", "original_topic",
// "original_partition", "original_offset", "redriven_from", "value_dropped"); see claimsctl dlq.
bool IsDeadLetterHeader(std::string_view name);

class KafkaConsumer {
 public:
  // Joins `group_id` and subscribes to `topics`; a name starting with '^' is a pattern (a regex
  // over topic names, matched again at each metadata refresh). Errors: kInvalidArgument for a
  // bad setting.
  static StatusOr<std::unique_ptr<KafkaConsumer>> Create(const KafkaSettings& settings,
                                                         const std::string& group_id,
                                                         const std::vector<std::string>& topics);
  ~KafkaConsumer();  // leaves the group (commits stored offsets); gives up after 10 s
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Up to `max` messages, waiting up to `timeout` for the first. Consumer errors other than
  // end-of-partition are logged and skipped.
  std::vector<KafkaMessage> Poll(size_t max, std::chrono::milliseconds timeout);
  // Stores offset + 1 of each message for the next commit.
  void StoreOffsets(std::span<const KafkaMessage> messages);
  // Pause: stop fetching from every assigned partition, and from each one assigned until
  // Resume(). Poll then returns nothing but still serves the group (heartbeats, rebalances), so
  // a member that waits out a failure keeps its partitions (it is evicted only if it stops
  // polling for max.poll.interval.ms). Messages fetched and not yet polled are dropped;
  // Resume() fetches again from after the last message polled from each partition.
  void Pause() { SetPaused(true); }
  void Resume() { SetPaused(false); }
  // The partition's end as this consumer's last fetch saw it (no request to the broker), or -1
  // when it has not fetched from it.
  int64_t CachedEndOffset(const std::string& topic, int partition) const;
  const std::string& group() const { return group_; }

  // What the rebalance callback reads and sets; it outlives the consumer object (the close
  // thread of the destructor may outlive it).
  struct GroupState {
    std::atomic<bool> assigned{false};  // the first assignment came (see the destructor)
    std::atomic<bool> paused{false};    // between Pause() and Resume(): pause what is assigned
  };

 private:
  KafkaConsumer() = default;
  void SetPaused(bool paused);
  rd_kafka_t* rk_ = nullptr;
  std::string group_;
  // Subscribed by pattern: no matching topic yet is normal (no provider yet), not a warning.
  bool by_pattern_ = false;
  std::shared_ptr<GroupState> group_state_ = std::make_shared<GroupState>();
};

// What a service does with a polled batch: decode and validate each message, apply the valid
// ones durably, and list in `dead` (as DeadLetter(message, error)) the messages it refused.
// An error means nothing of the batch may be considered done: the loop retries it (a transient
// failure: a message the service can never take belongs in `dead`, not in an error).
using BatchHandler =
    std::function<Status(std::span<const KafkaMessage> batch, std::vector<OutgoingEvent>* dead)>;

struct ConsumerLoopOptions {
  size_t max_batch = 500;
  std::chrono::milliseconds poll_timeout{100};
  // A failed batch is tried again after retry_backoff, doubling up to max_retry_backoff; the
  // consumer is paused and polled meanwhile, so it keeps its place in the group.
  std::chrono::milliseconds retry_backoff{200};
  std::chrono::milliseconds max_retry_backoff{5000};
};

// Runs `consumer` with `handler` on its own thread until destroyed.
class ConsumerLoop {
 public:
  // `consumer`, `dead_letters` and `metrics` must outlive the loop.
  ConsumerLoop(KafkaConsumer& consumer, EventPublisher& dead_letters, BatchHandler handler,
               ConsumerLoopOptions options, prometheus::Registry& metrics);
  ~ConsumerLoop();  // finishes the batch in hand, then stops
  ConsumerLoop(const ConsumerLoop&) = delete;
  ConsumerLoop& operator=(const ConsumerLoop&) = delete;

 private:
  void Run();

  KafkaConsumer& consumer_;
  EventPublisher& dead_letters_;
  BatchHandler handler_;
  const ConsumerLoopOptions options_;
  prometheus::Counter& consumed_;
  prometheus::Counter& dead_lettered_;
  prometheus::Counter& retried_;
  prometheus::Family<prometheus::Gauge>& lag_family_;
  // Messages behind each partition's end after the last batch from it, by topic and partition
  // (consumer thread only).
  std::map<std::string, std::map<int, int64_t>> lag_;
  void UpdateLag(std::span<const KafkaMessage> batch);
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace claims
