#include "shared/kafka_publisher.h"

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "shared/json_log.h"
#include "shared/kafka_client.h"
#include "shared/topic_catalog.h"

namespace claims {

StatusOr<std::unique_ptr<KafkaEventPublisher>> KafkaEventPublisher::Create(
    const KafkaSettings& settings, prometheus::Registry& metrics) {
  std::unique_ptr<KafkaEventPublisher> publisher(new KafkaEventPublisher(metrics));
  StatusOr<rd_kafka_conf_t*> conf = NewKafkaConf(ProducerConfig(settings));
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<KafkaEventPublisher*>(opaque)->OnDelivery(*m);
  });
  rd_kafka_conf_set_opaque(*conf, publisher.get());
  StatusOr<rd_kafka_t*> rk = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!rk.ok()) return rk.status();
  publisher->producer_ = *rk;
  // librdkafka learns a topic's partitions on the first produce to it only at its next
  // once-a-second topic scan, so the first events to each topic waited up to a second (measured:
  // 0.7-0.8 s for the first event of each service after a start). The catalog's topics are made
  // known now, and their metadata is asked for before the poller starts polling.
  for (const TopicSpec& topic : AllTopics()) {
    const std::string name(topic.name);
    if (rd_kafka_topic_t* rkt = rd_kafka_topic_new(publisher->producer_, name.c_str(), nullptr)) {
      publisher->known_topics_.push_back(rkt);
    }
  }
  publisher->poller_ = std::thread([p = publisher.get()] {
    // Every locally known topic; a broker that is down only leaves it to the scan.
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(p->producer_, 0, nullptr, &metadata, 5000) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
    }
    p->PollLoop();
  });
  return publisher;
}

KafkaEventPublisher::KafkaEventPublisher(prometheus::Registry& metrics)
    : delivered_counter_(prometheus::BuildCounter()
                             .Name("claims_events_delivered_total")
                             .Help("Events the broker acknowledged")
                             .Register(metrics)
                             .Add({})),
      failed_counter_(prometheus::BuildCounter()
                          .Name("claims_events_failed_total")
                          .Help("Events whose delivery failed (logged with their event id)")
                          .Register(metrics)
                          .Add({})) {}

KafkaEventPublisher::~KafkaEventPublisher() {
  if (producer_ == nullptr) return;  // Create failed before the client existed
  const Status flushed = Flush(std::chrono::seconds(10));
  if (!flushed.ok()) {
    Log(LogLevel::kError, "events dropped at shutdown",
        {{"error", flushed.message()}, {"queued", rd_kafka_outq_len(producer_)}});
  }
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  for (rd_kafka_topic_t* rkt : known_topics_) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(producer_);
}

// What one PublishAll waits for. Shared with the delivery tickets, so a call that timed out can
// return while reports for its events are still to come.
struct KafkaEventPublisher::Batch {
  std::mutex mu;
  std::condition_variable cv;
  size_t pending = 0;       // guarded by mu
  std::string first_error;  // guarded by mu
};

namespace {
struct DeliveryTicket {
  std::shared_ptr<void> batch;  // a KafkaEventPublisher::Batch
  std::string event_id;
};
}  // namespace

void KafkaEventPublisher::OnDelivery(const rd_kafka_message_t& m) {
  std::unique_ptr<DeliveryTicket> ticket(static_cast<DeliveryTicket*>(m._private));
  if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_counter_.Increment();
  } else {
    failed_counter_.Increment();
    Log(LogLevel::kWarn, "event delivery failed",
        {{"event_id", ticket ? ticket->event_id : ""},
         {"topic", rd_kafka_topic_name(m.rkt)},
         {"error", rd_kafka_err2str(m.err)}});
  }
  if (!ticket) return;
  auto* batch = static_cast<Batch*>(ticket->batch.get());
  {
    std::lock_guard lock(batch->mu);
    if (m.err != RD_KAFKA_RESP_ERR_NO_ERROR && batch->first_error.empty()) {
      batch->first_error = std::string("event ") + ticket->event_id + " to " +
                           rd_kafka_topic_name(m.rkt) + ": " + rd_kafka_err2str(m.err);
    }
    --batch->pending;
  }
  batch->cv.notify_all();
}

void KafkaEventPublisher::PollLoop() {
  while (!stop_.load()) rd_kafka_poll(producer_, 100);
}

Status KafkaEventPublisher::Produce(const OutgoingEvent& event, void* ticket) {
  std::vector<rd_kafka_vu_t> vus;
  vus.reserve(6 + event.headers.size());
  rd_kafka_vu_t vu{};
  vu.vtype = RD_KAFKA_VTYPE_TOPIC;
  vu.u.cstr = event.topic.c_str();
  vus.push_back(vu);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_KEY;
  vu.u.mem = {const_cast<char*>(event.key.data()), event.key.size()};
  vus.push_back(vu);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_VALUE;
  vu.u.mem = {const_cast<char*>(event.payload.data()), event.payload.size()};
  vus.push_back(vu);
  auto add_header = [&](const std::string& name, const std::string& value) {
    rd_kafka_vu_t h{};
    h.vtype = RD_KAFKA_VTYPE_HEADER;
    h.u.header = {name.c_str(), value.data(), static_cast<ssize_t>(value.size())};
    vus.push_back(h);
  };
  static const std::string kEventIdHeader = "event_id";
  add_header(kEventIdHeader, event.event_id);
  for (const auto& [name, value] : event.headers) add_header(name, value);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu.u.i = RD_KAFKA_MSG_F_COPY;
  vus.push_back(vu);
  vu = {};
  vu.vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu.u.ptr = ticket;
  vus.push_back(vu);
  for (int attempt = 0;; ++attempt) {
    rd_kafka_error_t* error = rd_kafka_produceva(producer_, vus.data(), vus.size());
    if (error == nullptr) return Status::Ok();
    const rd_kafka_resp_err_t err = rd_kafka_error_code(error);
    const std::string message = rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
      // The poll thread drains delivery reports; give it a moment.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    return Unavailable("cannot queue event " + event.event_id + ": " + message);
  }
}

Status KafkaEventPublisher::PublishAll(std::span<const OutgoingEvent> events,
                                       std::chrono::milliseconds timeout) {
  if (Status fatal = KafkaFatalError(producer_); !fatal.ok()) return fatal;
  auto batch = std::make_shared<Batch>();
  Status queued;
  for (const OutgoingEvent& event : events) {
    auto* ticket = new DeliveryTicket{batch, event.event_id};
    {
      std::lock_guard lock(batch->mu);
      ++batch->pending;
    }
    queued = Produce(event, ticket);
    if (!queued.ok()) {
      delete ticket;
      std::lock_guard lock(batch->mu);
      --batch->pending;
      break;
    }
  }
  std::unique_lock lock(batch->mu);
  const bool all_reported = batch->cv.wait_for(lock, timeout, [&] { return batch->pending == 0; });
  if (!queued.ok()) return queued;
  if (!all_reported) {
    return Unavailable(std::to_string(batch->pending) + " of " + std::to_string(events.size()) +
                       " events not acknowledged within " + std::to_string(timeout.count()) +
                       " ms");
  }
  if (!batch->first_error.empty()) return Unavailable("delivery failed: " + batch->first_error);
  return Status::Ok();
}

Status KafkaEventPublisher::Flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(producer_, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(std::to_string(rd_kafka_outq_len(producer_)) +
                       " events still queued after flush: " + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

Status KafkaEventPublisher::CheckBroker(std::chrono::milliseconds timeout) {
  return CheckKafkaBroker(producer_, timeout);
}

}  // namespace claims
