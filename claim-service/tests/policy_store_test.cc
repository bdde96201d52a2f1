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
  EXPECT_EQ(s.message(),
            "another policy already has subscriber_number S-1 with plan_group_number G-1");
}

TEST_F(PolicyStoreTest, UpdateAppliesTheChangeToTheStoredPolicy) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  StatusOr<Policy> updated = store_->Update("policy-1", [](const Policy& current) {
    Policy next = current;
    next.version = current.version + 1;
    next.fields.policyholder_name = "Renamed";
    return StatusOr<Policy>(next);
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(*store_->Get("policy-1"), *updated);
  EXPECT_EQ(updated->version, 2);
}

TEST_F(PolicyStoreTest, UpdateAbortedByTheChangeLeavesThePolicyAlone) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  StatusOr<Policy> refused = store_->Update(
      "policy-1", [](const Policy&) -> StatusOr<Policy> { return Conflict("stale"); });
  EXPECT_EQ(refused.status().message(), "stale");
  EXPECT_EQ(*store_->Get("policy-1"), MakePolicy(1));
  const auto missing = store_->Update("nope", [](const Policy& p) { return StatusOr<Policy>(p); });
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(PolicyStoreTest, UpdateToATakenMemberPairIsConflict) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  ASSERT_TRUE(store_->Insert(MakePolicy(2)).ok());
  const auto clash = store_->Update("policy-2", [](const Policy& current) {
    Policy next = current;
    next.fields.subscriber_number = "S-1";
    return StatusOr<Policy>(next);
  });
  EXPECT_EQ(clash.status().code(), StatusCode::kConflict);
  EXPECT_EQ(store_->Get("policy-2")->fields.subscriber_number, "S-2");
}

TEST_F(PolicyStoreTest, DeleteRemovesAndReportsMissing) {
  ASSERT_TRUE(store_->Insert(MakePolicy(1)).ok());
  StatusOr<Policy> deleted = store_->Delete("policy-1");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, MakePolicy(1));
  EXPECT_EQ(store_->Get("policy-1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete("policy-1").status().code(), StatusCode::kNotFound);
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
