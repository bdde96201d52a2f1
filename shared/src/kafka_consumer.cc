#include "shared/kafka_consumer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <set>

#include "shared/json_log.h"
#include "shared/kafka_client.h"
#include "shared/topic_catalog.h"

namespace claims {

std::string KafkaMessage::EventId() const {
  const auto it = headers.find("event_id");
  return it == headers.end() ? std::string() : it->second;
}

KafkaMessage CopyKafkaMessage(const rd_kafka_message_t& m) {
  KafkaMessage c;
  if (m.rkt != nullptr) c.topic = rd_kafka_topic_name(m.rkt);
  c.partition = m.partition;
  c.offset = m.offset;
  if (m.key != nullptr) c.key.assign(static_cast<const char*>(m.key), m.key_len);
  if (m.payload != nullptr) c.value.assign(static_cast<const char*>(m.payload), m.len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      c.headers[name] =
          value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size);
    }
  }
  return c;
}

std::string MessagePosition::ToString() const {
  return topic + "/" + std::to_string(partition) + "/" + std::to_string(offset);
}

MessagePosition KafkaMessage::OriginalPosition() const {
  MessagePosition own{topic, partition, offset};
  const auto from = headers.find("redriven_from");
  const auto t = headers.find("original_topic");
  const auto p = headers.find("original_partition");
  const auto o = headers.find("original_offset");
  // Only a re-drive onto the topic it came from keeps the first position: a producer cannot point
  // a message at another topic's offsets.
  if (from == headers.end() || t == headers.end() || p == headers.end() || o == headers.end() ||
      t->second != topic) {
    return own;
  }
  MessagePosition first{topic, 0, 0};
  const auto parse = [](const std::string& v, auto* out) {
    const auto [end, err] = std::from_chars(v.data(), v.data() + v.size(), *out);
    return err == std::errc() && end == v.data() + v.size() && *out >= 0;
  };
  if (!parse(p->second, &first.partition) || !parse(o->second, &first.offset)) return own;
  return first;
}

bool IsDeadLetterHeader(std::string_view name) {
  return name == "error" || name == "original_topic" || name == "original_partition" ||
         name == "original_offset" || name == "redriven_from" || name == "value_dropped";
}

std::string BoundedDeadLetterError(std::string_view error) {
  if (error.size() <= kMaxDeadLetterErrorBytes) return std::string(error);
  size_t end = kMaxDeadLetterErrorBytes;
  // Not inside a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
  while (end > 0 && (static_cast<unsigned char>(error[end]) & 0xC0) == 0x80) --end;
  return std::string(error.substr(0, end)) + "... (" + std::to_string(error.size() - end) +
         " more bytes)";
}

OutgoingEvent DeadLetter(const KafkaMessage& message, std::string_view error) {
  OutgoingEvent dead;
  dead.topic = DeadLetterTopic(message.topic);
  dead.key = message.key;
  const MessagePosition first = message.OriginalPosition();
  const std::string id = message.EventId();
  dead.event_id = !id.empty() ? id : first.ToString();
  dead.headers = {{"error", BoundedDeadLetterError(error)},
                  {"original_topic", first.topic},
                  {"original_partition", std::to_string(first.partition)},
                  {"original_offset", std::to_string(first.offset)}};
  size_t bytes = message.key.size() + message.value.size() + dead.headers[0].second.size();
  for (const auto& [name, value] : message.headers) bytes += name.size() + value.size();
  if (bytes > kMaxDeadLetterBytes) {
    // Too large to publish beside what the dead-letter topic adds: a stub that says where the
    // message is and how large it was (the original stays on its topic while retention keeps it).
    dead.key = dead.key.substr(0, 256);
    dead.headers.emplace_back("value_dropped", std::to_string(message.value.size()));
    return dead;
  }
  dead.payload = message.value;
  for (const auto& [name, value] : message.headers) {
    if (name != "event_id" && !IsDeadLetterHeader(name)) dead.headers.emplace_back(name, value);
  }
  return dead;
}

namespace {

using KafkaConsumerGroupState = KafkaConsumer::GroupState;

void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                 rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  rd_kafka_error_t* error = nullptr;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    auto* state = static_cast<KafkaConsumerGroupState*>(opaque);
    state->assigned.store(true);
    error = rd_kafka_incremental_assign(rk, partitions);
    // Assigned while the loop waits out a failure: paused like the others until it resumes.
    if (error == nullptr && state->paused.load()) (void)rd_kafka_pause_partitions(rk, partitions);
  } else {
    error = rd_kafka_incremental_unassign(rk, partitions);
  }
  Log(LogLevel::kInfo,
      err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "partitions assigned" : "partitions revoked",
      {{"count", partitions->cnt}});
  if (error != nullptr) {
    Log(LogLevel::kError, "rebalance failed", {{"error", rd_kafka_error_string(error)}});
    rd_kafka_error_destroy(error);
  }
}

}  // namespace

StatusOr<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(
    const KafkaSettings& settings, const std::string& group_id,
    const std::vector<std::string>& topics) {
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(ConsumerConfig(settings, group_id));
  if (!conf.ok()) return conf.status();
  std::unique_ptr<KafkaConsumer> consumer(new KafkaConsumer());
  rd_kafka_conf_set_rebalance_cb(*conf, OnRebalance);
  // The state outlives the consumer object: the close thread below may outlive it.
  rd_kafka_conf_set_opaque(*conf, consumer->group_state_.get());
  StatusOr<rd_kafka_t*> rk = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!rk.ok()) return rk.status();
  consumer->rk_ = *rk;
  consumer->group_ = group_id;
  rd_kafka_poll_set_consumer(consumer->rk_);
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const std::string& t : topics) {
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
    consumer->by_pattern_ = consumer->by_pattern_ || t.starts_with('^');
  }
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer->rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgument(std::string("cannot subscribe: ") + rd_kafka_err2str(err));
  }
  return consumer;
}

KafkaConsumer::~KafkaConsumer() {
  if (rk_ == nullptr) return;
  // rd_kafka_consumer_close can wait forever when no broker answers (seen with 2.0.2 when the
  // broker went away first): close on a helper thread and stop waiting after 10 s, leaving the
  // client to the process's exit, so a shutdown always finishes.
  auto closed = std::make_shared<std::promise<void>>();
  std::future<void> done = closed->get_future();
  std::thread([rk = rk_, closed, state = group_state_] {
    // librdkafka 2.0.2 aborts in rd_kafka_destroy (rd_kafka_sticky_assignor_state_destroy:
    // "Assertion `assignor_state' failed", librdkafka issue 4312, fixed in 2.3.0) when a
    // cooperative-sticky member is destroyed after its group chose the assignor but before its
    // first assignment arrived. In that window, wait (serving the group, up to 5 s) for the
    // assignment; messages polled meanwhile are dropped unprocessed and their offsets not
    // stored, so the group delivers them again.
    const char* protocol = rd_kafka_rebalance_protocol(rk);
    if (protocol != nullptr && std::string_view(protocol) == "COOPERATIVE") {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (!state->assigned.load() && std::chrono::steady_clock::now() < deadline) {
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100)) rd_kafka_message_destroy(m);
      }
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    closed->set_value();
  }).detach();
  if (done.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    Log(LogLevel::kWarn, "Kafka consumer did not close within 10 s (no broker?); giving up");
  }
}

std::vector<KafkaMessage> KafkaConsumer::Poll(size_t max, std::chrono::milliseconds timeout) {
  std::vector<KafkaMessage> out;
  int wait_ms = static_cast<int>(timeout.count());
  while (out.size() < max) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait_ms);
    if (m == nullptr) break;
    wait_ms = 0;  // take what is already fetched, do not wait for more
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back(CopyKafkaMessage(*m));
    } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      const bool expected = by_pattern_ && m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      Log(expected ? LogLevel::kDebug : LogLevel::kWarn, "consumer error",
          {{"error", rd_kafka_message_errstr(m)}});
    }
    rd_kafka_message_destroy(m);
  }
  return out;
}

int64_t KafkaConsumer::CachedEndOffset(const std::string& topic, int partition) const {
  int64_t low = -1;
  int64_t high = -1;
  if (rd_kafka_get_watermark_offsets(rk_, topic.c_str(), partition, &low, &high) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  return high;
}

void KafkaConsumer::StoreOffsets(std::span<const KafkaMessage> messages) {
  if (messages.empty()) return;
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(messages.size()));
  for (const KafkaMessage& m : messages) {
    rd_kafka_topic_partition_list_add(list, m.topic.c_str(), m.partition)->offset = m.offset + 1;
  }
  // Fails for partitions revoked meanwhile; their new owner processes the messages again.
  (void)rd_kafka_offsets_store(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

void KafkaConsumer::SetPaused(bool paused) {
  group_state_->paused = paused;
  rd_kafka_topic_partition_list_t* assigned = nullptr;
  if (rd_kafka_assignment(rk_, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  (void)(paused ? rd_kafka_pause_partitions(rk_, assigned)
                : rd_kafka_resume_partitions(rk_, assigned));
  rd_kafka_topic_partition_list_destroy(assigned);
}

ConsumerLoop::ConsumerLoop(KafkaConsumer& consumer, EventPublisher& dead_letters,
                           BatchHandler handler, ConsumerLoopOptions options,
                           prometheus::Registry& metrics)
    : consumer_(consumer),
      dead_letters_(dead_letters),
      handler_(std::move(handler)),
      options_(options),
      consumed_(prometheus::BuildCounter()
                    .Name("claims_messages_consumed_total")
                    .Help("Messages consumed and applied (or dead-lettered)")
                    .Register(metrics)
                    .Add({{"group", consumer.group()}})),
      dead_lettered_(prometheus::BuildCounter()
                         .Name("claims_messages_dead_lettered_total")
                         .Help("Messages sent to a .dlq topic because they could not be used")
                         .Register(metrics)
                         .Add({{"group", consumer.group()}})),
      retried_(prometheus::BuildCounter()
                   .Name("claims_message_batches_retried_total")
                   .Help("Consumed batches whose handling failed and was retried")
                   .Register(metrics)
                   .Add({{"group", consumer.group()}})),
      lag_family_(prometheus::BuildGauge()
                      .Name("claims_consumer_lag_messages")
                      .Help("Messages behind the ends of the partitions this instance consumes, "
                            "after its last batch from each (its fetches' view of the ends)")
                      .Register(metrics)) {
  thread_ = std::thread([this] { Run(); });
}

void ConsumerLoop::UpdateLag(std::span<const KafkaMessage> batch) {
  std::map<std::pair<std::string, int>, int64_t> next;  // partition -> offset after the batch
  for (const KafkaMessage& m : batch) {
    int64_t& after = next[{m.topic, m.partition}];
    after = std::max(after, m.offset + 1);
  }
  std::set<std::string> topics;
  for (const auto& [partition, after] : next) {
    const int64_t end = consumer_.CachedEndOffset(partition.first, partition.second);
    if (end < 0) continue;
    lag_[partition.first][partition.second] = std::max<int64_t>(0, end - after);
    topics.insert(partition.first);
  }
  for (const std::string& topic : topics) {
    int64_t total = 0;
    for (const auto& [p, lag] : lag_[topic]) total += lag;
    lag_family_.Add({{"group", consumer_.group()}, {"topic", topic}})
        .Set(static_cast<double>(total));
  }
}

ConsumerLoop::~ConsumerLoop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ConsumerLoop::Run() {
  // Messages polled while paused (from a partition assigned before it could be paused): the
  // next batch, before anything new is polled.
  std::vector<KafkaMessage> carried;
  while (!stop_.load()) {
    std::vector<KafkaMessage> batch = std::move(carried);
    carried.clear();
    if (batch.empty()) batch = consumer_.Poll(options_.max_batch, options_.poll_timeout);
    if (batch.empty()) continue;
    std::chrono::milliseconds backoff = options_.retry_backoff;
    bool paused = false;
    for (int attempt = 0; !stop_.load(); ++attempt) {
      std::vector<OutgoingEvent> dead;
      Status s = handler_(batch, &dead);
      if (s.ok() && !dead.empty()) s = dead_letters_.PublishAll(dead, std::chrono::seconds(10));
      if (s.ok()) {
        consumer_.StoreOffsets(batch);
        UpdateLag(batch);
        consumed_.Increment(static_cast<double>(batch.size()));
        dead_lettered_.Increment(static_cast<double>(dead.size()));
        for (const OutgoingEvent& d : dead) {
          Log(LogLevel::kWarn, "message sent to dead-letter topic",
              {{"topic", d.topic}, {"event_id", d.event_id}, {"error", d.headers[0].second}});
        }
        break;
      }
      retried_.Increment();
      if (attempt == 0) {
        Log(LogLevel::kWarn, "consumed batch not applied; retrying",
            {{"messages", batch.size()}, {"error", s.ToString()}});
      }
      if (!paused) {
        consumer_.Pause();
        paused = true;
      }
      // Wait out the backoff while polling, so the group does not evict this member.
      const auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop_.load() && std::chrono::steady_clock::now() < until) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        std::vector<KafkaMessage> polled = consumer_.Poll(
            options_.max_batch, std::clamp(left, std::chrono::milliseconds(1), backoff));
        std::move(polled.begin(), polled.end(), std::back_inserter(carried));
      }
      backoff = std::min(backoff * 2, options_.max_retry_backoff);
    }
    if (paused) consumer_.Resume();
  }
}

}  // namespace claims
