// Test support: a migrated claim-service database in a fresh directory with a journal over it
// and a listener that records every committed event, so service logic is tested without a
// broker.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "claim_service/claim_service.h"
#include "claim_service/schema.h"
#include "test_policies.h"
#include "wal/journal.h"

namespace claims::testing {

class RecordingListener final : public wal::CommitListener {
 public:
  void OnCommitted(uint64_t lsn, std::vector<OutgoingEvent> events) override {
    std::lock_guard lock(mu);
    last_lsn = lsn;
    for (auto& e : events) this->events.push_back(std::move(e));
  }
  std::vector<OutgoingEvent> Take() {
    std::lock_guard lock(mu);
    return std::exchange(events, {});
  }
  std::mutex mu;
  std::vector<OutgoingEvent> events;
  uint64_t last_lsn = 0;
};

// A claim-service database and journal under `dir` (created), fsync off for speed.
struct JournalFixture {
  explicit JournalFixture(const std::string& dir) : dir(dir) { Open(); }

  void Open() {
    const std::string db_path = ClaimServiceDatabasePath(dir);
    std::filesystem::create_directories(std::filesystem::path(db_path).parent_path());
    auto db = SqliteDatabase::Open(db_path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Migrate(ClaimServiceMigrations()).ok());
    std::vector<std::unique_ptr<SqliteDatabase>> connections;
    connections.push_back(std::move(*db));
    reads = std::make_shared<ReadConnections>(std::move(connections));
    wal::JournalOptions options;
    options.wal_dir = ClaimServiceWalDir(dir, "test");
    options.wal_id = "claim-service/test";
    options.db_path = db_path;
    options.tables = ClaimServiceTables();
    options.log.fsync = wal::FsyncPolicy::kNone;
    auto opened = wal::Journal::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    journal = std::move(*opened);
    journal->SetListener(&listener);
  }

  std::string dir;
  std::shared_ptr<ReadConnections> reads;
  std::unique_ptr<wal::Journal> journal;
  RecordingListener listener;
};

}  // namespace claims::testing
