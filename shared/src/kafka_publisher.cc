#include "shared/kafka_publisher.h"

#include <librdkafka/rdkafka.h>

#include <string>

#include "shared/json_log.h"
#include "shared/kafka_client.h"

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
  publisher->poller_ = std::thread([p = publisher.get()] { p->PollLoop(); });
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
  rd_kafka_destroy(producer_);
}

void KafkaEventPublisher::OnDelivery(const rd_kafka_message_t& m) {
  std::unique_ptr<std::string> event_id(static_cast<std::string*>(m._private));
  if (m.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    delivered_counter_.Increment();
    return;
  }
  failed_counter_.Increment();
  Log(LogLevel::kError, "event delivery failed",
      {{"event_id", event_id ? *event_id : ""},
       {"topic", rd_kafka_topic_name(m.rkt)},
       {"error", rd_kafka_err2str(m.err)}});
}

void KafkaEventPublisher::PollLoop() {
  while (!stop_.load()) rd_kafka_poll(producer_, 100);
}

Status KafkaEventPublisher::Publish(const OutgoingEvent& event) {
  if (const Status fatal = KafkaFatalError(producer_); !fatal.ok()) return fatal;
  for (int attempt = 0;; ++attempt) {
    auto* event_id = new std::string(event.event_id);
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(event.topic.c_str()),
        RD_KAFKA_V_KEY(event.key.data(), event.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(event.payload.data()), event.payload.size()),
        RD_KAFKA_V_HEADER("event_id", event.event_id.data(),
                          static_cast<ssize_t>(event.event_id.size())),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(event_id), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    delete event_id;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 3) {
      // The poll thread drains delivery reports; give it a moment.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    return Unavailable(std::string("cannot queue event: ") + rd_kafka_err2str(err));
  }
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
