#include "claim_service/policy_service.h"

#include <gtest/gtest.h>

#include <future>

#include "test_journal.h"

namespace claims {
namespace {

class PolicyServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = std::make_unique<testing::JournalFixture>(testing::TestDirectory());
    store_ = std::make_unique<PolicyStore>(fixture_->reads);
    service_ = std::make_unique<PolicyService>(*fixture_->journal, *store_, clock_,
                                               EventSource{"claim-service", "test"});
  }
  // The asynchronous changes, waited for.
  StatusOr<Policy> Replace(const std::string& id, const PolicyWriteRequest& change) {
    std::promise<StatusOr<Policy>> done;
    service_->Replace(id, change, [&done](StatusOr<Policy> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Status Delete(const std::string& id) {
    std::promise<Status> done;
    service_->Delete(id, [&done](const Status& r) { done.set_value(r); });
    return done.get_future().get();
  }
  std::vector<OutgoingEvent> Events() {
    std::lock_guard lock(fixture_->listener.mu);
    return fixture_->listener.events;
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1767225600))};
  std::unique_ptr<testing::JournalFixture> fixture_;
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
  StatusOr<Policy> updated = Replace(created->policy_id, change);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->updated_at, "2026-01-01T00:01:00.000Z");
  EXPECT_EQ(updated->created_at, created->created_at);
  ASSERT_TRUE(Delete(created->policy_id).ok());

  ASSERT_EQ(Events().size(), 3u);
  EXPECT_EQ(Events()[0].topic, "policy-created");
  EXPECT_EQ(Events()[1].topic, "policy-updated");
  EXPECT_EQ(Events()[2].topic, "policy-deleted");
  for (const OutgoingEvent& e : Events()) EXPECT_EQ(e.key, created->policy_id);
  const auto deleted = nlohmann::json::parse(Events()[2].payload);
  EXPECT_EQ(deleted["policy_details"]["status"], "Expired");
  EXPECT_NE(Events()[0].event_id, Events()[1].event_id);
}

TEST_F(PolicyServiceTest, StaleExpectedVersionIsAConflictAndPublishesNothing) {
  StatusOr<Policy> created = service_->Create(testing::PolicyFieldsFor(1));
  ASSERT_TRUE(created.ok());
  PolicyWriteRequest change{testing::PolicyFieldsFor(1), std::nullopt, 7};
  const auto result = Replace(created->policy_id, change);
  EXPECT_EQ(result.status().code(), StatusCode::kConflict);
  EXPECT_EQ(result.status().message(),
            "policy " + created->policy_id + " is at version 1, not 7; read it again");
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(PolicyServiceTest, MemberPairIsUniqueAndAClashWritesNothing) {
  ASSERT_TRUE(service_->Create(testing::PolicyFieldsFor(1)).ok());
  const uint64_t lsn = fixture_->journal->log().last_lsn();
  const auto clash = service_->Create(testing::PolicyFieldsFor(1));
  EXPECT_EQ(clash.status().code(), StatusCode::kConflict);
  EXPECT_EQ(clash.status().message(),
            "another policy already has subscriber_number S-1 with plan_group_number G-1");
  EXPECT_EQ(fixture_->journal->log().last_lsn(), lsn) << "a refused change reached the WAL";
  EXPECT_EQ(Events().size(), 1u);
}

TEST_F(PolicyServiceTest, EveryChangeIsInTheWalBeforeItIsVisible) {
  StatusOr<Policy> created = service_->Create(testing::PolicyFieldsFor(1));
  ASSERT_TRUE(created.ok());
  // The committed entry carries the row and the event; reading it back from the WAL gives both.
  std::vector<wal::JournalRecord> records;
  ASSERT_TRUE(fixture_->journal->log()
                  .ReadFrom(1,
                            [&](const wal::Entry& e) {
                              if (e.type == wal::kJournalEntryType) {
                                records.push_back(*wal::DecodeJournalRecord(e.payload));
                              }
                              return true;
                            })
                  .ok());
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].changes.at(0).table, "policies");
  EXPECT_EQ(records[0].changes.at(0).row["policy_id"], created->policy_id);
  EXPECT_EQ(records[0].events.at(0).event_id, Events().at(0).event_id);
  EXPECT_TRUE(store_->Get(created->policy_id).ok());
}

TEST_F(PolicyServiceTest, MissingPolicyIsNotFound) {
  EXPECT_EQ(service_->Get("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Delete("nope").code(), StatusCode::kNotFound);
  PolicyWriteRequest change{testing::PolicyFieldsFor(1), std::nullopt, std::nullopt};
  EXPECT_EQ(Replace("nope", change).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Events().empty());
}

}  // namespace
}  // namespace claims
