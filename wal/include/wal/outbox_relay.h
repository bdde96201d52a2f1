// OutboxRelay: publishes the events that journal entries carry, in LSN order, and records in
// the database how far it got once the broker acknowledged (table relay_positions; at most every
// RelayOptions::record_interval, and when idle or stopping). Started
// after Journal::Open, it first re-reads the WAL from the recorded position (events committed
// but not yet acknowledged before a crash), then follows the journal's commits in memory. An
// event may be published more than once (after a crash or a failed delivery), always with the
// same event id; consumers deduplicate.
//
// Thread-safety: OnCommitted is called by the journal's committer; everything else runs on the
// relay's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "shared/event_publisher.h"
#include "shared/sqlite_db.h"
#include "wal/journal.h"

namespace wal {

struct RelayOptions {
  std::string db_path;  // the service's database (the relay has its own connection)
  size_t max_batch_events = 4096;
  size_t max_queued_entries = 100000;  // beyond this the relay re-reads the WAL instead
  std::chrono::milliseconds publish_timeout{10000};
  std::chrono::milliseconds retry_backoff{500};
  // How often at most the published position is written to the database. Each write takes the
  // database's write lock, which the journal's committer holds through its fsyncs, so writing
  // after every batch made each batch wait for a commit (tens of ms under load). A position that
  // lags only means a restart publishes the events after it again (same ids). The position is
  // also written when the relay is idle and when it stops.
  std::chrono::milliseconds record_interval{100};
};

class OutboxRelay final : public CommitListener {
 public:
  // Registers itself as `journal`'s listener and starts. `journal` and `publisher` must outlive
  // the relay. Errors: the database cannot be opened.
  static claims::StatusOr<std::unique_ptr<OutboxRelay>> Start(Journal& journal,
                                                              claims::EventPublisher& publisher,
                                                              const RelayOptions& options,
                                                              prometheus::Registry& metrics);
  ~OutboxRelay() override;  // publishes what is queued (one attempt), then stops

  void OnCommitted(uint64_t lsn, std::vector<claims::OutgoingEvent> events) override;

  // The last LSN whose events the broker acknowledged (and that is recorded).
  uint64_t published_lsn() const;
  // Waits until published_lsn() >= lsn, up to `timeout`; true if reached.
  bool WaitPublished(uint64_t lsn, std::chrono::milliseconds timeout) const;

  // The position recorded in `db` for `wal_id` (0 if none).
  static claims::StatusOr<uint64_t> RecordedPosition(claims::SqliteDatabase& db,
                                                     const std::string& wal_id);

 private:
  struct Item {
    uint64_t lsn;
    std::vector<claims::OutgoingEvent> events;
  };
  OutboxRelay(Journal& journal, claims::EventPublisher& publisher, RelayOptions options,
              prometheus::Registry& metrics);
  void Run();
  // Fills `batch` from the WAL (from published_lsn_ + 1) or the in-memory queue.
  claims::Status NextBatch(std::vector<Item>* batch);
  claims::Status Record(uint64_t lsn);
  // Writes `published` as the recorded position when it is newer and `force` or record_interval
  // has passed since the last write. A failed write is logged and tried again later.
  void RecordPublished(uint64_t published, bool force);

  Journal& journal_;
  claims::EventPublisher& publisher_;
  const RelayOptions options_;
  std::unique_ptr<claims::SqliteDatabase> db_;         // used by the relay thread only
  uint64_t recorded_lsn_ = 0;                          // relay thread only: the position in db_
  std::chrono::steady_clock::time_point recorded_at_;  // relay thread only
  prometheus::Counter& published_events_;
  prometheus::Counter& publish_failures_;
  prometheus::Gauge& lag_entries_;

  mutable std::mutex mu_;  // guards the members below
  mutable std::condition_variable cv_;
  std::deque<Item> queue_;
  bool read_wal_ = true;  // the queue does not hold everything after published_lsn_
  uint64_t published_lsn_ = 0;
  uint64_t committed_lsn_ = 0;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace wal
