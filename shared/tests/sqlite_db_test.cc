#include "shared/sqlite_db.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace claims {
namespace {

constexpr std::array<Migration, 2> kMigrations{{
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"},
    {2, "ALTER TABLE t ADD COLUMN note TEXT"},
}};

std::string TempDbPath() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("sqlite_db_test_" + std::to_string(::getpid()) + "_" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "t.sqlite").string();
}

TEST(SqliteDbTest, MigrationsApplyOnceAndPersist) {
  const std::string path = TempDbPath();
  {
    auto db = SqliteDatabase::Open(path);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Migrate(kMigrations).ok());
    EXPECT_EQ(*(*db)->SchemaVersion(), 2);
    ASSERT_TRUE((*db)->Exec("INSERT INTO t (name, note) VALUES ('a', 'x')").ok());
  }
  auto db = SqliteDatabase::Open(path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate(kMigrations).ok());  // nothing to do, data kept
  auto s = (*db)->Prepare("SELECT note FROM t WHERE name = ?1");
  ASSERT_TRUE(s.ok());
  (*s)->Bind(1, std::string_view("a"));
  ASSERT_TRUE(*(*s)->Step());
  EXPECT_EQ((*s)->ColumnText(0), "x");
}

TEST(SqliteDbTest, NewerDatabaseThanBuildIsRefused) {
  auto db = SqliteDatabase::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA user_version = 9").ok());
  const Status s = (*db)->Migrate(kMigrations);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "database schema version 9 is newer than this build knows (2)");
}

TEST(SqliteDbTest, UniqueViolationIsConflictAndTransactionRollsBack) {
  auto db = SqliteDatabase::Open(TempDbPath());
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Migrate(kMigrations).ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO t (name) VALUES ('a')").ok());
  const Status s = (*db)->InTransaction([&]() -> Status {
    CLAIMS_RETURN_IF_ERROR((*db)->Exec("INSERT INTO t (name) VALUES ('b')"));
    return (*db)->Exec("INSERT INTO t (name) VALUES ('a')");
  });
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  auto count = (*db)->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(*(*count)->Step());
  EXPECT_EQ((*count)->ColumnInt(0), 1);
}

TEST(SqliteDbTest, ReadConnectionsAreLeasedOneReaderAtATimeAndSeeCommittedWrites) {
  const std::string path = TempDbPath();
  auto writer = SqliteDatabase::Open(path);
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Migrate(kMigrations).ok());
  auto first = SqliteDatabase::Open(path);
  ASSERT_TRUE(first.ok());
  auto reads = ReadConnections::Open(std::move(*first), path, 2);
  ASSERT_TRUE(reads.ok()) << reads.status().ToString();
  ReadConnections& pool = **reads;
  EXPECT_EQ(pool.size(), 2);
  ASSERT_TRUE((*writer)->Exec("INSERT INTO t (name) VALUES ('committed')").ok());

  const auto count = [](SqliteDatabase& db) {
    auto s = db.Prepare("SELECT COUNT(*) FROM t");
    EXPECT_TRUE(s.ok() && *(*s)->Step());
    const int64_t n = (*s)->ColumnInt(0);
    (*s)->Reset();
    return n;
  };
  std::atomic<bool> third_leased{false};
  std::thread third;
  {
    const ReadConnections::Lease a = pool.Acquire();
    const ReadConnections::Lease b = pool.Acquire();  // a second reader does not wait
    EXPECT_NE(&*a, &*b);
    EXPECT_EQ(count(*a), 1);
    EXPECT_EQ(count(*b), 1);
    third = std::thread([&] {
      const ReadConnections::Lease c = pool.Acquire();
      third_leased = true;
      EXPECT_EQ(count(*c), 1);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(third_leased) << "both connections are leased: a third reader must wait";
  }
  third.join();
  EXPECT_TRUE(third_leased);
}

}  // namespace
}  // namespace claims
