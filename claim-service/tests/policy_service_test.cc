#include "claim_service/policy_service.h"

#include <gtest/gtest.h>

#include <mutex>

#include "claim_service/schema.h"
#include "test_policies.h"

namespace claims {
namespace {

class RecordingPublisher final : public EventPublisher {
 public:
  Status Publish(const OutgoingEvent& event) override {
    std::lock_guard lock(mu);
    if (refuse) return Unavailable("queue full");
    events.push_back(event);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<OutgoingEvent> events;
  bool refuse = false;
};

class PolicyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDatabase::Open(testing::TestDirectory() + "/claims.sqlite");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Migrate(ClaimServiceMigrations()).ok());
    auto locked = std::make_shared<LockedDatabase>();
    locked->db = std::move(*db);
    store_ = std::make_unique<PolicyStore>(locked);
    service_ = std::make_unique<PolicyService>(*store_, publisher_, clock_,
                                               EventSource{"claim-service", "test"}, metrics_);
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1767225600))};
  RecordingPublisher publisher_;
  prometheus::Registry metrics_;
  std::unique_ptr<PolicyStore> store_;
  std::unique_ptr<PolicyService> service_;
};

TEST_F(PolicyServiceTest, EveryChangePublishesOneEventKeyedByPolicy) {
  StatusOr<Policy> created = service_->Create(testing::PolicyFieldsFor(1));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->version, 1);
  EXPECT_EQ(created->created_at, "2026-01-01T00:00:00.000Z");

  clock_.Advance(std::chrono::seconds(60));
  PolicyWriteRequest change{testing::PolicyFieldsFor(1), std::nullopt, std::nullopt};
  change.fields.status = PolicyStatus::kExpired;
  StatusOr<Policy> updated = service_->Replace(created->policy_id, change);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_at, "2026-01-01T00:01:00.000Z");
  EXPECT_EQ(updated->created_at, created->created_at);
  ASSERT_TRUE(service_->Delete(created->policy_id).ok());

  ASSERT_EQ(publisher_.events.size(), 3u);
  EXPECT_EQ(publisher_.events[0].topic, "policy-created");
  EXPECT_EQ(publisher_.events[1].topic, "policy-updated");
  EXPECT_EQ(publisher_.events[2].topic, "policy-deleted");
  for (const OutgoingEvent& e : publisher_.events) EXPECT_EQ(e.key, created->policy_id);
  const auto deleted = nlohmann::json::parse(publisher_.events[2].payload);
  EXPECT_EQ(deleted["policy_details"]["status"], "Expired");
  EXPECT_NE(publisher_.events[0].event_id, publisher_.events[1].event_id);
}

TEST_F(PolicyServiceTest, StaleExpectedVersionIsAConflictAndPublishesNothing) {
  StatusOr<Policy> created = service_->Create(testing::PolicyFieldsFor(1));
  ASSERT_TRUE(created.ok());
  PolicyWriteRequest change{testing::PolicyFieldsFor(1), std::nullopt, 7};
  const auto result = service_->Replace(created->policy_id, change);
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  EXPECT_EQ(result.status().message(),
            "policy " + created->policy_id + " is at version 1, not 7; read it again");
  EXPECT_EQ(publisher_.events.size(), 1u);
}

TEST_F(PolicyServiceTest, RefusedPublishStillCommitsAndCounts) {
  publisher_.refuse = true;
  StatusOr<Policy> created = service_->Create(testing::PolicyFieldsFor(1));
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(service_->Get(created->policy_id).ok());
  double not_queued = -1;
  for (const auto& family : metrics_.Collect()) {
    if (family.name == "claims_events_not_queued_total")
      not_queued = family.metric.at(0).counter.value;
  }
  EXPECT_DOUBLE_EQ(not_queued, 1.0);
}

TEST_F(PolicyServiceTest, MissingPolicyIsNotFound) {
  EXPECT_EQ(service_->Get("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Delete("nope").code(), StatusCode::kNotFound);
  PolicyWriteRequest change{testing::PolicyFieldsFor(1), std::nullopt, std::nullopt};
  EXPECT_EQ(service_->Replace("nope", change).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(publisher_.events.empty());
}

}  // namespace
}  // namespace claims
