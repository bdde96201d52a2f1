#include "shared/sqlite_db.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>

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

}  // namespace
}  // namespace claims
