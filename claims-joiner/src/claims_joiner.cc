#include "claims_joiner/claims_joiner.h"

#include <librdkafka/rdkafka.h>

#include <filesystem>
#include <set>

#include "shared/json_log.h"
#include "shared/kafka_inspect.h"
#include "shared/topic_catalog.h"
#include "wal/log.h"

namespace claims {
namespace {

constexpr std::chrono::seconds kKafkaTimeout{30};
constexpr std::chrono::milliseconds kRetryBackoff{500};

std::string StoreDir(const std::string& data_dir) { return data_dir + "/claims-joiner"; }

}  // namespace

std::string JoinerStorePath(const std::string& data_dir) {
  return StoreDir(data_dir) + "/joiner.sqlite";
}

StatusOr<std::unique_ptr<ClaimsJoiner>> ClaimsJoiner::Start(const ClaimsJoinerConfig& config) {
  std::unique_ptr<ClaimsJoiner> j(new ClaimsJoiner());
  j->config_ = config;
  std::error_code ec;
  std::filesystem::create_directories(StoreDir(config.data_dir), ec);
  if (ec) return Internal("cannot create " + StoreDir(config.data_dir) + ": " + ec.message());
  StatusOr<std::unique_ptr<wal::FileLock>> lock =
      wal::LockLogDir(wal::PosixFileSystem(), StoreDir(config.data_dir));
  if (!lock.ok()) return lock.status();
  j->lock_ = std::move(*lock);
  StatusOr<std::unique_ptr<JoinStore>> store =
      JoinStore::Open(JoinerStorePath(config.data_dir), {"claims-joiner", config.instance_id});
  if (!store.ok()) return store.status();
  j->store_ = std::move(*store);
  StatusOr<std::unique_ptr<KafkaEventPublisher>> publisher =
      KafkaEventPublisher::Create(config.kafka, j->metrics_);
  if (!publisher.ok()) return publisher.status();
  j->publisher_ = std::move(*publisher);
  StatusOr<std::unique_ptr<KafkaInspector>> inspector = KafkaInspector::Create(config.kafka);
  if (!inspector.ok()) return inspector.status();
  j->inspector_ = std::move(*inspector);
  if (StatusOr<size_t> settled = j->Reconcile(); !settled.ok()) return settled.status();
  CLAIMS_RETURN_IF_ERROR(j->Assign());
  j->thread_ = std::thread([p = j.get()] { p->Run(); });
  Log(LogLevel::kInfo, "claims-joiner started",
      {{"store", JoinerStorePath(config.data_dir)}, {"output", topics::kClaimPaymentsJoined}});
  return j;
}

ClaimsJoiner::~ClaimsJoiner() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_ != nullptr) {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
  }
}

// A record made but not recorded as published may have reached the topic before a crash: it
// would be there after the topic's ends recorded when that publication started. Those found
// are marked published, so each record is on the topic once.
StatusOr<size_t> ClaimsJoiner::Reconcile() {
  StatusOr<std::vector<JoinedOutput>> pending = store_->Unpublished();
  if (!pending.ok()) return pending.status();
  if (pending->empty()) return size_t{0};
  StatusOr<std::map<int, int64_t>> from = store_->RelayStart();
  if (!from.ok()) return from.status();
  if (from->empty()) return size_t{0};  // no publication was ever started
  StatusOr<std::vector<KafkaMessage>> tail =
      inspector_->ReadFrom(std::string(topics::kClaimPaymentsJoined), *from, kKafkaTimeout);
  if (!tail.ok()) return tail.status();
  std::set<std::string> on_topic;
  for (const KafkaMessage& m : *tail) on_topic.insert(m.EventId());
  std::vector<std::string> found;
  for (const JoinedOutput& o : *pending) {
    if (on_topic.contains(o.event_id)) found.push_back(o.event_id);
  }
  Log(LogLevel::kInfo, "joined records of the last run settled",
      {{"unpublished", pending->size()}, {"already_on_topic", found.size()}});
  CLAIMS_RETURN_IF_ERROR(store_->MarkPublished(found));
  return found.size();
}

Status ClaimsJoiner::Assign() {
  // Positions come from the store; the group's committed offsets are only for tools (lag).
  StatusOr<rd_kafka_t*> rk =
      NewAssignOnlyConsumer(config_.kafka, groups::kClaimsJoiner, /*partition_eof=*/false);
  if (!rk.ok()) return rk.status();
  consumer_ = *rk;
  StatusOr<std::map<std::pair<std::string, int>, int64_t>> positions = store_->Positions();
  if (!positions.ok()) return positions.status();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(0);
  for (std::string_view topic : JoinerInputTopics()) {
    const TopicSpec* spec = FindTopic(topic);
    for (int p = 0; p < spec->partitions; ++p) {
      const auto it = positions->find({std::string(topic), p});
      rd_kafka_topic_partition_list_add(list, std::string(topic).c_str(), p)->offset =
          it == positions->end() ? RD_KAFKA_OFFSET_BEGINNING : it->second;
    }
  }
  const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Internal(std::string("cannot assign the joiner's inputs: ") + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

Status ClaimsJoiner::PublishPending() {
  StatusOr<std::vector<JoinedOutput>> pending = store_->Unpublished();
  if (!pending.ok()) return pending.status();
  if (pending->empty()) return Status::Ok();
  if (in_doubt_) {
    // The last publish gave up while the producer may still be delivering its records (it
    // tries for message.timeout.ms): wait until it has nothing in flight, then look on the
    // topic, from the ends recorded before that publish, for what reached it. Only the rest is
    // published again, and only then are new ends recorded.
    CLAIMS_RETURN_IF_ERROR(publisher_->Flush(config_.publish_timeout));
    StatusOr<size_t> arrived = Reconcile();
    if (!arrived.ok()) return arrived.status();
    published_ += static_cast<int64_t>(*arrived);
    in_doubt_ = false;
    pending = store_->Unpublished();
    if (!pending.ok()) return pending.status();
    if (pending->empty()) return Status::Ok();
  }
  StatusOr<std::vector<PartitionWatermarks>> marks =
      inspector_->Watermarks(std::string(topics::kClaimPaymentsJoined), kKafkaTimeout);
  if (!marks.ok()) return marks.status();
  std::map<int, int64_t> ends;
  for (const PartitionWatermarks& m : *marks) ends[m.partition] = m.high;
  CLAIMS_RETURN_IF_ERROR(store_->SaveRelayStart(ends));
  std::vector<OutgoingEvent> events;
  std::vector<std::string> ids;
  for (const JoinedOutput& o : *pending) {
    events.push_back(
        {std::string(topics::kClaimPaymentsJoined), o.claim_id, o.event_id, o.payload, {}});
    ids.push_back(o.event_id);
  }
  if (Status published = publisher_->PublishAll(events, config_.publish_timeout); !published.ok()) {
    in_doubt_ = true;
    return published;
  }
  CLAIMS_RETURN_IF_ERROR(store_->MarkPublished(ids));
  published_ += static_cast<int64_t>(ids.size());
  return Status::Ok();
}

void ClaimsJoiner::Run() {
  std::vector<KafkaMessage> batch;
  bool to_publish = true;  // a previous run may have left records
  while (!stop_.load()) {
    if (batch.empty()) {
      int wait_ms = static_cast<int>(config_.poll_timeout.count());
      while (batch.size() < config_.max_batch) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_, wait_ms);
        if (m == nullptr) break;
        wait_ms = 0;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          batch.push_back(CopyKafkaMessage(*m));
        } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          Log(LogLevel::kWarn, "joiner consumer error", {{"error", rd_kafka_message_errstr(m)}});
        }
        rd_kafka_message_destroy(m);
      }
    }
    if (!batch.empty()) {
      StatusOr<ApplyCounts> counts = store_->Apply(batch);
      if (!counts.ok()) {  // nothing of it was applied: the same batch again
        Log(LogLevel::kWarn, "joiner batch not applied; retrying",
            {{"messages", batch.size()}, {"error", counts.status().ToString()}});
        std::this_thread::sleep_for(kRetryBackoff);
        continue;
      }
      // For tools only (claimsctl monitor's lag): the store holds the real positions.
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(0);
      for (const KafkaMessage& m : batch) {
        rd_kafka_topic_partition_list_add(list, m.topic.c_str(), m.partition)->offset =
            m.offset + 1;
      }
      (void)rd_kafka_commit(consumer_, list, /*async=*/1);
      rd_kafka_topic_partition_list_destroy(list);
      batch.clear();
      to_publish = to_publish || counts->outputs > 0;
    }
    if (to_publish) {
      const Status s = PublishPending();
      to_publish = !s.ok();
      if (!s.ok()) {
        Log(LogLevel::kWarn, "joined records not published yet; retrying",
            {{"error", s.ToString()}});
        std::this_thread::sleep_for(kRetryBackoff);
      }
    }
  }
  (void)PublishPending();
}

}  // namespace claims
