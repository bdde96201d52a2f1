// ServiceStorage with the mock Kafka cluster in-process: a WAL left behind by an instance that
// is gone is adopted by a live one: what it committed reaches the broker, what it never
// committed is aborted.
#include "wal/service_storage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "shared/json_log.h"
#include "shared/mock_kafka_cluster.h"
#include "testing/topic_reader.h"
#include "wal/snapshot.h"

namespace wal {
namespace {

using claims::Status;

constexpr claims::Migration kMigrations[] = {
    {1,
     "CREATE TABLE items (item_id TEXT PRIMARY KEY, value TEXT NOT NULL, "
     "version INTEGER NOT NULL)"}};

// A fresh directory for one test's service, and the storage config every test starts from: the
// items table, no fsync, snapshots and adoption only when a test asks.
std::filesystem::path FreshRoot(const std::string& name) {
  const auto root =
      std::filesystem::path(::testing::TempDir()) / (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  return root;
}

ServiceStorageConfig TestConfig(const std::filesystem::path& root, const std::string& bootstrap,
                                const std::string& instance_id) {
  ServiceStorageConfig config;
  config.service = "test-service";
  config.database_file = "state.sqlite";
  config.data_dir = root.string();
  config.instance_id = instance_id;
  config.migrations = kMigrations;
  config.tables = {{"items", "item_id", {"item_id", "value", "version"}, ""}};
  config.fsync = FsyncPolicy::kNone;
  config.kafka.bootstrap_servers = bootstrap;
  config.snapshot_interval = std::chrono::seconds(0);
  config.adopt_interval = std::chrono::seconds(0);  // AdoptOrphans is called by hand
  return config;
}

TEST(ServiceStorageTest, OrphanedWalIsAdoptedAppliedAndPublished) {
  claims::SetLogLevel(claims::LogLevel::kError);
  const auto root = FreshRoot("storage_adopt");
  auto cluster = claims::MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  ServiceStorageConfig config = TestConfig(root, (*cluster)->bootstrap_servers(), "live");
  config.fsync = FsyncPolicy::kAlways;  // a second instance runs beside it below

  // An instance that committed one change and died before its relay published it, then
  // wrote a second batch to its WAL and died before committing that one.
  const std::string orphan_dir = ServiceWalDir(root.string(), "test-service", "gone");
  std::filesystem::create_directories(root / "test-service");
  {
    auto db = claims::SqliteDatabase::Open(
        ServiceDatabasePath(root.string(), "test-service", "state.sqlite"));
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Migrate(kMigrations).ok());
  }
  {
    JournalOptions gone;
    gone.wal_dir = orphan_dir;
    gone.wal_id = "test-service/gone";
    gone.db_path = ServiceDatabasePath(root.string(), "test-service", "state.sqlite");
    gone.tables = config.tables;
    gone.log.fsync = FsyncPolicy::kNone;
    auto journal = Journal::Open(gone);
    ASSERT_TRUE(journal.ok()) << journal.status().ToString();
    ASSERT_TRUE((*journal)
                    ->Execute([](JournalTxn& txn) {
                      txn.Emit({"claim-events", "x", "orphan-event-1", "{\"n\":1}", {}});
                      return txn.Put(
                          "items",
                          {{"item_id", "x"}, {"value", "from the orphan"}, {"version", 1}});
                    })
                    .ok());
  }
  {
    auto log = Log::Open(orphan_dir, Options{});
    ASSERT_TRUE(log.ok());
    JournalRecord r;
    r.changes.push_back(
        {"items", {{"item_id", "y"}, {"value", "never committed"}, {"version", 1}}});
    r.events.push_back({"claim-events", "y", "orphan-event-2", "{\"n\":2}", {}});
    ASSERT_TRUE((*log)->Append({kJournalEntryType, 1, EncodeJournalRecord(r)}).ok());
  }

  prometheus::Registry metrics;
  auto live = ServiceStorage::Open(config, metrics);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  EXPECT_EQ((*live)->AdoptOrphans(), 1);
  {
    const claims::ReadConnections::Lease db = (*live)->reads()->Acquire();
    auto s = db->Prepare("SELECT item_id, value FROM items ORDER BY item_id");
    ASSERT_TRUE(*(*s)->Step());
    EXPECT_EQ((*s)->ColumnText(1), "from the orphan");
    EXPECT_FALSE(*(*s)->Step()) << "the batch that never committed must not apply";
    (*s)->Reset();
  }
  // The storage layer's own test events, not claim events: no schema to hold them to.
  claims::testing::TopicReader reader((*cluster)->bootstrap_servers(), "claim-events",
                                      /*validate=*/false);
  const auto read =
      reader.ReadUntil([](const auto& m) { return !m.empty(); }, std::chrono::seconds(20));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].EventId(), "orphan-event-1") << "orphan-event-2 never committed";
  // Its own WAL is never adopted, and a drained orphan that has not changed is not opened again,
  // by this instance or any other.
  EXPECT_EQ((*live)->AdoptOrphans(), 0);
  {
    prometheus::Registry other_metrics;
    ServiceStorageConfig other_config = config;
    other_config.instance_id = "other";
    auto other = ServiceStorage::Open(other_config, other_metrics);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_EQ((*other)->AdoptOrphans(), 0) << "the orphan was drained by another instance";
  }
  // Stopped, "other" left a WAL of its own: drained once, then left alone too.
  EXPECT_EQ((*live)->AdoptOrphans(), 1);
  EXPECT_EQ((*live)->AdoptOrphans(), 0);
  // Changed (its instance came back, wrote a batch and died before committing it): drained
  // again, which aborts the batch and publishes nothing more.
  {
    auto log = Log::Open(orphan_dir, Options{});
    ASSERT_TRUE(log.ok());
    JournalRecord r;
    r.changes.push_back({"items", {{"item_id", "z"}, {"value", "not committed"}, {"version", 1}}});
    r.events.push_back({"claim-events", "z", "orphan-event-3", "{\"n\":3}", {}});
    ASSERT_TRUE((*log)->Append({kJournalEntryType, 1, EncodeJournalRecord(r)}).ok());
  }
  EXPECT_EQ((*live)->AdoptOrphans(), 1);
  EXPECT_EQ((*live)->AdoptOrphans(), 0);
  EXPECT_EQ(reader.ReadUntil([](const auto&) { return false; }, std::chrono::seconds(2)).size(), 1u)
      << "adopting again must not publish again";
  // The first snapshot was taken at start and a restore from it rebuilds the same database.
  EXPECT_EQ(ListSnapshots((*live)->snapshot_dir()).size(), 1u);
}

// walctl restore applies entries to a snapshot without knowing the service's migrations, so a
// snapshot older than the schema could not take the entries written after an upgrade: the
// upgraded instance takes a snapshot of the new schema at start.
TEST(ServiceStorageTest, SchemaMigrationTakesASnapshotOfTheNewSchemaAtStart) {
  claims::SetLogLevel(claims::LogLevel::kError);
  const auto root = FreshRoot("storage_migrate");
  auto cluster = claims::MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  const claims::Migration upgraded[] = {kMigrations[0],
                                        {2, "ALTER TABLE items ADD COLUMN note TEXT"}};
  ServiceStorageConfig config = TestConfig(root, (*cluster)->bootstrap_servers(), "one");
  const auto newest_schema = [&](const std::string& dir) {
    const std::vector<std::string> all = ListSnapshots(dir);
    if (all.empty()) return -1;
    auto db = claims::SqliteDatabase::Open(all.back());
    if (!db.ok()) return -1;
    auto version = (*db)->SchemaVersion();
    return version.ok() ? *version : -1;
  };
  std::string snapshot_dir;
  {
    prometheus::Registry metrics;
    auto first = ServiceStorage::Open(config, metrics);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    snapshot_dir = (*first)->snapshot_dir();
    auto wrote = (*first)->journal().Execute([](JournalTxn& txn) {
      return txn.Put("items", {{"item_id", "a"}, {"value", "before"}, {"version", 1}});
    });
    ASSERT_TRUE(wrote.ok());
  }
  EXPECT_EQ(newest_schema(snapshot_dir), 1);
  config.migrations = upgraded;
  {
    prometheus::Registry metrics;
    auto second = ServiceStorage::Open(config, metrics);
    ASSERT_TRUE(second.ok()) << second.status().ToString();
  }
  EXPECT_EQ(newest_schema(snapshot_dir), 2);
  const size_t after_upgrade = ListSnapshots(snapshot_dir).size();
  {
    prometheus::Registry metrics;
    auto third = ServiceStorage::Open(config, metrics);  // same schema: no snapshot at start
    ASSERT_TRUE(third.ok()) << third.status().ToString();
  }
  EXPECT_EQ(ListSnapshots(snapshot_dir).size(), after_upgrade);
}

// Retention removes expired rows through the journal: they are gone from the database, the WAL
// holds the deletes, and a restore from a snapshot taken before them removes them too.
TEST(ServiceStorageTest, ExpiredRowsAreRemovedThroughTheWal) {
  claims::SetLogLevel(claims::LogLevel::kError);
  const auto root = FreshRoot("storage_retention");
  auto cluster = claims::MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  const claims::Migration migrations[] = {
      {1,
       "CREATE TABLE keys (key TEXT PRIMARY KEY, created_at TEXT NOT NULL, "
       "version INTEGER NOT NULL); CREATE INDEX keys_created ON keys (created_at)"}};
  claims::ManualClock clock(std::chrono::system_clock::time_point(std::chrono::hours(500000)));
  ServiceStorageConfig config = TestConfig(root, (*cluster)->bootstrap_servers(), "one");
  config.migrations = migrations;
  config.tables = {{"keys", "key", {"key", "created_at", "version"}, ""}};
  config.clock = &clock;
  config.retention_interval = std::chrono::seconds(0);  // called by hand below
  config.retention.push_back({"keys", "key", "created_at", std::chrono::hours(24)});
  prometheus::Registry metrics;
  auto storage = ServiceStorage::Open(config, metrics);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  const std::string first_snapshot = ListSnapshots((*storage)->snapshot_dir()).back();
  const auto put = [&](int n) {
    return (*storage)->journal().Execute([&](JournalTxn& txn) {
      return txn.Put("keys", {{"key", "k" + std::to_string(n)},
                              {"created_at", claims::FormatRfc3339(clock.Now())},
                              {"version", 1}});
    });
  };
  for (int n = 0; n < 1500; ++n) ASSERT_TRUE(put(n).ok());  // more than one command's worth
  clock.Advance(std::chrono::hours(20));
  ASSERT_TRUE(put(9999).ok());
  EXPECT_EQ(*(*storage)->RemoveExpired(), 0) << "nothing is 24 h old yet";
  clock.Advance(std::chrono::hours(5));
  EXPECT_EQ(*(*storage)->RemoveExpired(), 1500);
  const auto keys = [](claims::SqliteDatabase& db) {
    auto s = db.Prepare("SELECT group_concat(key) FROM keys");
    (void)(*s)->Step();
    const std::string all = (*s)->ColumnText(0);
    (*s)->Reset();
    return all;
  };
  {
    const claims::ReadConnections::Lease db = (*storage)->reads()->Acquire();
    EXPECT_EQ(keys(*db), "k9999");
  }
  const std::string wal_dir = (*storage)->wal_dir();
  storage->reset();
  const std::string rebuilt = (root / "rebuilt.sqlite").string();
  auto restored = RestoreDatabase(first_snapshot, {wal_dir}, rebuilt);
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  auto db = claims::SqliteDatabase::Open(rebuilt);
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(keys(**db), "k9999");
}

// INSTANCE_ID=auto: identical replicas each take their own name; a slot whose process is gone
// is taken again (so is its WAL, rather than left to adoption); an instance named by hand keeps
// its WAL to itself.
TEST(ServiceStorageTest, AutoInstanceIdsTakeFreeSlotsOnly) {
  const auto root = FreshRoot("storage_slots");
  FileSystem* fs = PosixFileSystem();
  auto first = ClaimInstanceSlot(fs, root.string(), "test-service", "test");
  auto second = ClaimInstanceSlot(fs, root.string(), "test-service", "test");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->instance_id, "test-1");
  EXPECT_EQ(second->instance_id, "test-2");

  first->lock.reset();  // test-1's process is gone
  auto again = ClaimInstanceSlot(fs, root.string(), "test-service", "test");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->instance_id, "test-1");

  // test-3's WAL is open in an instance started with --instance-id test-3: auto skips it.
  const std::string by_hand = ServiceWalDir(root.string(), "test-service", "test-3");
  std::filesystem::create_directories(by_hand);
  auto wal_lock = LockLogDir(fs, by_hand);
  ASSERT_TRUE(wal_lock.ok());
  auto fourth = ClaimInstanceSlot(fs, root.string(), "test-service", "test");
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->instance_id, "test-4");

  auto none = ClaimInstanceSlot(fs, root.string(), "test-service", "test", 4);
  EXPECT_EQ(none.status().code(), claims::StatusCode::kUnavailable) << none.status().ToString();

  // Any name but auto is kept, with no slot taken.
  std::string named = "claim-7";
  auto no_lock = ResolveInstanceId(root.string(), "test-service", "test", &named);
  ASSERT_TRUE(no_lock.ok());
  EXPECT_EQ(*no_lock, nullptr);
  EXPECT_EQ(named, "claim-7");
  std::filesystem::remove_all(root);
}

// fsync interval or none is a choice for one instance alone: an instance is refused while one
// that does not use `always` runs on the same database, and one that does not use `always` is
// refused while any other runs; once the other stopped, it starts.
TEST(ServiceStorageTest, OnlyAnInstanceAloneMayStartWithoutFsyncAlways) {
  claims::SetLogLevel(claims::LogLevel::kError);
  const auto root = FreshRoot("storage_fsync");
  auto cluster = claims::MockKafkaCluster::Start(1);
  ASSERT_TRUE(cluster.ok());
  prometheus::Registry metrics_a;
  prometheus::Registry metrics_b;
  ServiceStorageConfig a = TestConfig(root, (*cluster)->bootstrap_servers(), "a");
  ServiceStorageConfig b = TestConfig(root, (*cluster)->bootstrap_servers(), "b");
  a.fsync = FsyncPolicy::kNone;
  b.fsync = FsyncPolicy::kAlways;
  {
    auto first = ServiceStorage::Open(a, metrics_a);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    auto refused = ServiceStorage::Open(b, metrics_b);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), claims::StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.status().message().find("must all use --fsync always"), std::string::npos)
        << refused.status().message();
  }
  {
    auto alone = ServiceStorage::Open(b, metrics_b);  // a stopped: b is alone
    ASSERT_TRUE(alone.ok()) << alone.status().ToString();
    prometheus::Registry metrics_again;
    auto refused = ServiceStorage::Open(a, metrics_again);  // a without always, b running
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), claims::StatusCode::kFailedPrecondition);
    ServiceStorageConfig c = TestConfig(root, (*cluster)->bootstrap_servers(), "c");
    c.fsync = FsyncPolicy::kAlways;
    prometheus::Registry metrics_c;
    auto both_always = ServiceStorage::Open(c, metrics_c);
    EXPECT_TRUE(both_always.ok()) << both_always.status().ToString();
  }
}

}  // namespace
}  // namespace wal
