#include "claim_service/policy_store.h"

#include <gtest/gtest.h>

#include "claim_service/schema.h"
#include "test_policies.h"

namespace claims {
namespace {

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDatabase::Open(testing::TestDirectory() + "/claims.sqlite");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Migrate(ClaimServiceMigrations()).ok());
    auto locked = std::make_shared<LockedDatabase>();
    locked->db = std::move(*db);
    store_ = std::make_unique<PolicyStore>(locked);
  }

  Policy MakePolicy(int n) {
    return Policy{"policy-" + std::to_string(n), testing::PolicyFieldsFor(n), 1,
                  "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"};
  }

  std::unique_ptr<PolicyStore> store_;
};

TEST_F(PolicyStoreTest, InsertedPolicyReadsBackEqual) {
  const Policy p = MakePolicy(1);
  ASSERT_TRUE(store_->Insert(p).ok());
  StatusOr<Policy> got = store_->Get(p.policy_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, p);
}

TEST_F(PolicyStoreTest, MemberPairIsUnique) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  Policy other = MakePolicy(2);
  other.fields.subscriber_number = "S-1";
  const Status s = store_->Insert(other);
  EXPECT_EQ(s.code(), StatusCode::kConflict);
  EXPECT_EQ(s.message(), "another policy already has subscriber_number S-1 with plan_group_number G-1");
}

TEST_F(PolicyStoreTest, ReplaceNeedsThePreviousVersion) {
  Policy p = MakePolicy(1);
  ASSERT_TRUE(store_->Insert(p).ok());
  p.version = 2;
  p.fields.policyholder_name = "Renamed";
  ASSERT_TRUE(store_->Replace(p).ok());
  EXPECT_EQ(store_->Get(p.policy_id)->fields.policyholder_name, "Renamed");
  // Replaying the same version-2 write finds version 2 stored: a lost race.
  EXPECT_EQ(store_->Replace(p).code(), StatusCode::kConflict);
  p.policy_id = "missing";
  EXPECT_EQ(store_->Replace(p).code(), StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, DeleteRemovesAndReportsMissing) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  ASSERT_TRUE(store_->Delete("policy-1").ok());
  EXPECT_EQ(store_->Get("policy-1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("policy-1").code(), StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, ListFiltersAndPagesInCreationOrder) {
  for (int n = 1; n <= 9; ++n) ASSERT_TRUE(store_->Insert(MakePolicy(n)).ok());
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
