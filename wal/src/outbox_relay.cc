#include "wal/outbox_relay.h"

#include "shared/json_log.h"

namespace wal {

using claims::Status;
using claims::StatusOr;

StatusOr<std::unique_ptr<OutboxRelay>> OutboxRelay::Start(Journal& journal,
                                                          claims::EventPublisher& publisher,
                                                          const RelayOptions& options,
                                                          prometheus::Registry& metrics) {
  std::unique_ptr<OutboxRelay> relay(new OutboxRelay(journal, publisher, options, metrics));
  StatusOr<std::unique_ptr<claims::SqliteDatabase>> db =
      claims::SqliteDatabase::Open(options.db_path);
  if (!db.ok()) return db.status();
  relay->db_ = std::move(*db);
  // A position lost in a power failure only means events published again (same ids).
  CLAIMS_RETURN_IF_ERROR(relay->db_->Exec("PRAGMA synchronous = NORMAL"));
  CLAIMS_RETURN_IF_ERROR(EnsureJournalTables(*relay->db_));
  StatusOr<uint64_t> position = RecordedPosition(*relay->db_, journal.wal_id());
  if (!position.ok()) return position.status();
  relay->recorded_lsn_ = *position;
  relay->recorded_at_ = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(relay->mu_);
    relay->published_lsn_ = *position;
    // Up to what committed: the WAL past it holds only outcome entries and aborted entries.
    relay->committed_lsn_ = std::max(*position, journal.committed_lsn());
  }
  journal.SetListener(relay.get());
  relay->thread_ = std::thread([r = relay.get()] { r->Run(); });
  return relay;
}

OutboxRelay::OutboxRelay(Journal& journal, claims::EventPublisher& publisher, RelayOptions options,
                         prometheus::Registry& metrics)
    : journal_(journal),
      publisher_(publisher),
      options_(std::move(options)),
      published_events_(prometheus::BuildCounter()
                            .Name("claims_relay_events_published_total")
                            .Help("Events the outbox relay had acknowledged by the broker")
                            .Register(metrics)
                            .Add({})),
      publish_failures_(prometheus::BuildCounter()
                            .Name("claims_relay_publish_failures_total")
                            .Help("Relay batches the broker did not acknowledge (retried)")
                            .Register(metrics)
                            .Add({})),
      lag_entries_(prometheus::BuildGauge()
                       .Name("claims_relay_lag_entries")
                       .Help("WAL entries committed but not yet published")
                       .Register(metrics)
                       .Add({})) {}

OutboxRelay::~OutboxRelay() {
  journal_.SetListener(nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StatusOr<uint64_t> OutboxRelay::RecordedPosition(claims::SqliteDatabase& db,
                                                 const std::string& wal_id) {
  return ReadLsn(db, "relay_positions", wal_id);
}

void OutboxRelay::OnCommitted(uint64_t lsn, std::vector<claims::OutgoingEvent> events) {
  {
    std::lock_guard lock(mu_);
    committed_lsn_ = std::max(committed_lsn_, lsn);
    if (!read_wal_) {
      if (queue_.size() >= options_.max_queued_entries) {
        read_wal_ = true;  // the broker is behind: stop holding events in memory
        queue_.clear();
      } else {
        queue_.push_back(Item{lsn, std::move(events)});
      }
    }
  }
  cv_.notify_all();
}

uint64_t OutboxRelay::published_lsn() const {
  std::lock_guard lock(mu_);
  return published_lsn_;
}

bool OutboxRelay::WaitPublished(uint64_t lsn, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return published_lsn_ >= lsn; });
}

Status OutboxRelay::NextBatch(std::vector<Item>* batch) {
  uint64_t from = 0;
  uint64_t until = 0;
  {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(200),
                 [&] { return stopping_ || published_lsn_ < committed_lsn_; });
    lag_entries_.Set(static_cast<double>(committed_lsn_ - published_lsn_));
    if (published_lsn_ >= committed_lsn_) {
      // Caught up: from now on every commit is queued in memory.
      read_wal_ = false;
      return Status::Ok();
    }
    if (!read_wal_) {
      size_t events = 0;
      while (!queue_.empty() && events < options_.max_batch_events) {
        events += queue_.front().events.size();
        batch->push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      return Status::Ok();
    }
    from = published_lsn_ + 1;
    until = committed_lsn_;
  }
  size_t events = 0;
  Status decoded;
  CLAIMS_RETURN_IF_ERROR(journal_.log().ReadFrom(from, [&](const Entry& e) {
    if (e.lsn > until) return false;
    Item item{e.lsn, {}};
    if (e.type == kJournalEntryType && !journal_.aborted().Contains(e.lsn)) {
      StatusOr<JournalRecord> record = DecodeJournalRecord(e.payload);
      if (!record.ok()) {
        decoded = record.status();
        return false;
      }
      item.events = std::move(record->events);
    }
    events += item.events.size();
    batch->push_back(std::move(item));
    return events < options_.max_batch_events;
  }));
  return decoded;
}

Status OutboxRelay::Record(uint64_t lsn) {
  return WriteLsn(*db_, "relay_positions", journal_.wal_id(), lsn);
}

void OutboxRelay::RecordPublished(uint64_t published, bool force) {
  if (published <= recorded_lsn_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - recorded_at_ < options_.record_interval) return;
  recorded_at_ = now;
  if (Status recorded = Record(published); !recorded.ok()) {
    claims::Log(claims::LogLevel::kWarn,
                "outbox relay cannot record its position; events after the recorded one would be "
                "published again after a restart",
                {{"wal_dir", journal_.log().dir()},
                 {"recorded_lsn", recorded_lsn_},
                 {"published_lsn", published},
                 {"error", recorded.ToString()}});
    return;
  }
  recorded_lsn_ = published;
}

void OutboxRelay::Run() {
  std::vector<Item> batch;
  std::vector<claims::OutgoingEvent> events;
  bool last_failed = false;
  uint64_t published = recorded_lsn_;  // this thread's copy of published_lsn_
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_ && (published_lsn_ >= committed_lsn_ || last_failed)) break;
    }
    batch.clear();
    events.clear();
    Status s = NextBatch(&batch);
    if (s.ok() && batch.empty()) {
      RecordPublished(published, false);  // idle: the position catches up
      continue;
    }
    if (s.ok()) {
      for (Item& item : batch) {
        for (claims::OutgoingEvent& e : item.events) events.push_back(std::move(e));
      }
      if (!events.empty()) s = publisher_.PublishAll(events, options_.publish_timeout);
    }
    if (!s.ok()) {
      publish_failures_.Increment();
      if (!last_failed) {
        claims::Log(claims::LogLevel::kWarn, "outbox relay cannot publish; will retry",
                    {{"wal_dir", journal_.log().dir()}, {"error", s.ToString()}});
      }
      last_failed = true;
      std::unique_lock lock(mu_);
      read_wal_ = true;  // what was taken from the queue is read again from the WAL
      queue_.clear();
      cv_.wait_for(lock, options_.retry_backoff, [&] { return stopping_; });
      continue;
    }
    if (last_failed) {
      claims::Log(claims::LogLevel::kInfo, "outbox relay publishing again",
                  {{"wal_dir", journal_.log().dir()}});
    }
    last_failed = false;
    published_events_.Increment(static_cast<double>(events.size()));
    published = std::max(published, batch.back().lsn);
    {
      std::lock_guard lock(mu_);
      published_lsn_ = std::max(published_lsn_, published);
    }
    cv_.notify_all();
    RecordPublished(published, false);
  }
  RecordPublished(published, true);
}

}  // namespace wal
