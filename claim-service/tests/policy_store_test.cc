#include "claim_service/policy_store.h"

#include <gtest/gtest.h>

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
  std::lock_guard lock(fixture_->reads->mu);
  StatusOr<Policy> found = LoadPolicyByMember(*fixture_->reads->db, "S-2", "G-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->policy_id, "policy-2");
  EXPECT_EQ(LoadPolicyByMember(*fixture_->reads->db, "S-2", "G-9").status().code(),
            StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, PositionsAreNeverReused) {
  ASSERT_TRUE(Insert(MakePolicy(1)).ok());
  ASSERT_TRUE(Insert(MakePolicy(2)).ok());
  ASSERT_TRUE(fixture_->journal
                  ->Execute([](wal::JournalTxn& txn) {
                    return txn.Remove("policies", {{"policy_id", "policy-2"}, {"version", 2}});
                  })
                  .ok());
  std::lock_guard lock(fixture_->reads->mu);
  EXPECT_EQ(*NextPolicyPosition(*fixture_->reads->db), 3);
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
