#include "claim_service/policy_store.h"

#include <gtest/gtest.h>

#include "claim_service/schema.h"
#include "test_journal.h"

namespace claims {
namespace {

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = std::make_unique<testing::JournalFixture>(testing::TestDirectory());
    store_ = std::make_unique<PolicyStore>(fixture_->reads);
  }

  Policy MakePolicy(int n) {
    return Policy{"policy-" + std::to_string(n), testing::PolicyFieldsFor(n), 1,
                  "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"};
  }

  // Writes `p` the way PolicyService does: a journal command putting its row.
  Status Insert(const Policy& p) {
    return fixture_->journal->Execute([&](wal::JournalTxn& txn) -> Status {
      StatusOr<int64_t> position = NextPolicyPosition(txn.db());
      if (!position.ok()) return position.status();
      return PolicyConflict(p, txn.Put("policies", PolicyRow(p, *position)));
    });
  }

  std::unique_ptr<testing::JournalFixture> fixture_;
  std::unique_ptr<PolicyStore> store_;
};

TEST_F(PolicyStoreTest, StoredPolicyReadsBackEqual) {
  const Policy p = MakePolicy(1);
  ASSERT_TRUE(Insert(p).ok());
  StatusOr<Policy> read = store_->Get("policy-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, p);
  EXPECT_EQ(store_->Get("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, MemberLookupFindsThePolicy) {
  ASSERT_TRUE(Insert(MakePolicy(1)).ok());
  ASSERT_TRUE(Insert(MakePolicy(2)).ok());
  const ReadConnections::Lease db = fixture_->reads->Acquire();
  StatusOr<Policy> found = LoadPolicyByMember(*db, "S-2", "G-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->policy_id, "policy-2");
  EXPECT_EQ(LoadPolicyByMember(*db, "S-2", "G-9").status().code(), StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, PositionsAreNeverReused) {
  ASSERT_TRUE(Insert(MakePolicy(1)).ok());
  ASSERT_TRUE(Insert(MakePolicy(2)).ok());
  ASSERT_TRUE(fixture_->journal
                  ->Execute([](wal::JournalTxn& txn) {
                    return txn.Remove("policies", {{"policy_id", "policy-2"}, {"version", 2}});
                  })
                  .ok());
  const ReadConnections::Lease db = fixture_->reads->Acquire();
  EXPECT_EQ(*NextPolicyPosition(*db), 3);
}

TEST_F(PolicyStoreTest, PolicyWithOnlyTheSpecificationFieldsReadsBackEqual) {
  Policy p = MakePolicy(1);
  p.fields.customer_id.reset();
  p.fields.coverage_amount.reset();
  p.fields.subscriber_number.reset();
  p.fields.plan_group_number.reset();
  ASSERT_TRUE(Insert(p).ok());
  StatusOr<Policy> read = store_->Get(p.policy_id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, p);
}

// Schema 5 dates the payment results remembered before it, so they expire like new ones.
TEST(PolicySchemaTest, ProcessedEventsFromBeforeTheirTimeColumnAreDatedByTheMigration) {
  auto db = SqliteDatabase::Open(":memory:");
  ASSERT_TRUE(db.ok());
  const auto all = ClaimServiceMigrations();
  ASSERT_GE(all.size(), 5u);
  ASSERT_TRUE((*db)->Migrate(all.first(4)).ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO processed_events VALUES ('e1', 1)").ok());
  ASSERT_TRUE((*db)->Migrate(all).ok());
  auto s = (*db)->Prepare("SELECT processed_at FROM processed_events WHERE event_id = 'e1'");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(*(*s)->Step());
  const std::string at = (*s)->ColumnText(0);
  (*s)->Reset();
  EXPECT_EQ(at.size(), FormatRfc3339(std::chrono::system_clock::now()).size()) << at;
  EXPECT_EQ(at.substr(0, 2), "20") << at;
  EXPECT_EQ(at.back(), 'Z') << at;
}

// Schema 3 rebuilt the policies table to make customer_id and coverage_cents optional: the rows,
// their positions and the position counter (past a deleted last policy) come through.
TEST(PolicySchemaTest, OptionalFieldsMigrationKeepsRowsAndThePositionCounter) {
  auto db = SqliteDatabase::Open(":memory:");
  ASSERT_TRUE(db.ok());
  const auto all = ClaimServiceMigrations();
  ASSERT_GE(all.size(), 3u);
  ASSERT_TRUE((*db)->Migrate(all.first(2)).ok());
  const auto insert = [&](int position, const std::string& id) {
    return (*db)->Exec(
        "INSERT INTO policies VALUES (" + std::to_string(position) + ", '" + id +
        "', 'Ada', 'Life', '2026-01-01', '2027-01-01', 100, 'Active', 'C-1', 5000, NULL, NULL, 1, "
        "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')");
  };
  ASSERT_TRUE(insert(1, "a").ok());
  ASSERT_TRUE(insert(2, "b").ok());
  ASSERT_TRUE(insert(3, "c").ok());
  ASSERT_TRUE((*db)->Exec("DELETE FROM policies WHERE policy_id = 'c'").ok());

  ASSERT_TRUE((*db)->Migrate(all).ok());
  EXPECT_EQ(*(*db)->SchemaVersion(), all.back().version);
  StatusOr<Policy> b = LoadPolicy(**db, "b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->fields.coverage_amount, Money::FromCents(5000));
  EXPECT_EQ(b->fields.customer_id, "C-1");
  EXPECT_EQ(*NextPolicyPosition(**db), 4);  // 3 was used, by the deleted policy
  ASSERT_TRUE(
      (*db)
          ->Exec("INSERT INTO policies VALUES (4, 'd', 'Ada', 'Life', '2026-01-01', '2027-01-01', "
                 "100, 'Active', NULL, NULL, NULL, NULL, 1, 'x', 'x')")
          .ok());
  EXPECT_EQ(*NextPolicyPosition(**db), 5);
}

TEST_F(PolicyStoreTest, ListFiltersAndPagesInCreationOrder) {
  for (int n = 1; n <= 9; ++n) ASSERT_TRUE(Insert(MakePolicy(n)).ok());
  PolicyFilter cars;
  cars.policy_type = PolicyType::kCar;  // even n
  StatusOr<PolicyPage> first = store_->List(cars, {0, 0, 3});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->policies.size(), 3u);
  EXPECT_EQ(first->policies[0].policy_id, "policy-2");
  EXPECT_EQ(first->policies[2].policy_id, "policy-6");
  StatusOr<PolicyPage> second = store_->List(cars, {first->last_position, 0, 3});
  ASSERT_EQ(second->policies.size(), 1u);
  EXPECT_EQ(second->policies[0].policy_id, "policy-8");
  StatusOr<PolicyPage> by_offset = store_->List({}, {0, 7, 5});
  ASSERT_EQ(by_offset->policies.size(), 2u);
  EXPECT_EQ(by_offset->policies[0].policy_id, "policy-8");
}

}  // namespace
}  // namespace claims
