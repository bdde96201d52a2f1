// The join itself: any arrival order, redeliveries, versions, and what a joined record holds.
#include "claims_joiner/join_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "join_messages.h"
#include "shared/event_schemas.h"

namespace claims {
namespace {

using testing::At;
using testing::ClaimEvent;
using testing::PolicyEvent;
using testing::ResultEvent;

class JoinStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("join_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = JoinStore::Open((dir_ / "joiner.sqlite").string(), {"claims-joiner", "j-1"});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ApplyCounts Apply(std::vector<KafkaMessage> batch) {
    auto counts = store_->Apply(batch);
    EXPECT_TRUE(counts.ok()) << counts.status().ToString();
    return counts.ok() ? *counts : ApplyCounts{};
  }
  std::vector<nlohmann::json> Outputs() {
    auto pending = store_->Unpublished();
    EXPECT_TRUE(pending.ok());
    std::vector<nlohmann::json> out;
    for (const JoinedOutput& o : *pending) {
      out.push_back(nlohmann::json::parse(o.payload));
      const Status valid = ValidateMessage("claim-payment-joined", out.back());
      EXPECT_TRUE(valid.ok()) << valid.ToString();
      EXPECT_EQ(out.back()["event_id"], o.event_id);
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<JoinStore> store_;
};

const std::string kClaims(topics::kClaimEvents);
const std::string kPayments(topics::kPaymentEvents);
const std::string kPolicies(topics::kPolicyCreated);

TEST_F(JoinStoreTest, APaidClaimIsJoinedWithItsPolicyAndSettlement) {
  Apply({At(kPolicies, 0, PolicyEvent("P1", 1)),
         At(kClaims, 0, ClaimEvent("c1", 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", "P1")),
         At(kClaims, 1,
            ClaimEvent("c1", 3, "RESERVED", "PAYMENT_REQUESTED", "PAYMENT_REQUESTED", "P1"))});
  EXPECT_TRUE(Outputs().empty()) << "not terminal yet";
  Apply(
      {At(kPayments, 0, ResultEvent("c1", "PAYMENT_SETTLED")),
       At(kClaims, 2, ClaimEvent("c1", 4, "PAYMENT_REQUESTED", "PAID", "PAYMENT_SETTLED", "P1"))});
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["event_id"], "c1/joined/PAID");
  EXPECT_EQ(out[0]["state"], "PAID");
  EXPECT_EQ(out[0]["policy"]["policy_id"], "P1");
  EXPECT_EQ(out[0]["policy"]["policyholder_name"], "Ada Lovelace");
  EXPECT_EQ(out[0]["payment"]["result"], "PAYMENT_SETTLED");
  EXPECT_EQ(out[0]["payment"]["amount_cents"], 2550);
  EXPECT_EQ(out[0]["claim_version"], 4);
  EXPECT_EQ(*store_->WaitingCount(), 0);
}

TEST_F(JoinStoreTest, AnyArrivalOrderGivesTheSameSingleRecord) {
  // The payment result first, then the terminal claim event, then (last) the policy.
  EXPECT_EQ(Apply({At(kPayments, 0, ResultEvent("c2", "PAYMENT_SETTLED"))}).outputs, 0);
  EXPECT_EQ(Apply({At(kClaims, 0,
                      ClaimEvent("c2", 4, "PAYMENT_REQUESTED", "PAID", "PAYMENT_SETTLED", "P2"))})
                .outputs,
            0);
  EXPECT_EQ(*store_->WaitingCount(), 1) << "waits for its policy";
  // An earlier state change arriving late changes nothing.
  Apply(
      {At(kClaims, 1, ClaimEvent("c2", 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", "P2"))});
  EXPECT_EQ(Apply({At(kPolicies, 0, PolicyEvent("P2", 1))}).outputs, 1);
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["state"], "PAID");
  EXPECT_EQ(out[0]["payment"]["payment_id"], "pay-c2");
  EXPECT_EQ(*store_->WaitingCount(), 0);
  // The claim event waits for the payment result too, when that comes last.
  Apply({At(kClaims, 2,
            ClaimEvent("c3", 4, "PAYMENT_REQUESTED", "PAYMENT_FAILED", "PAYMENT_DECLINED", "P2"))});
  EXPECT_EQ(Outputs().size(), 1u);
  EXPECT_EQ(Apply({At(kPayments, 1, ResultEvent("c3", "PAYMENT_DECLINED"))}).outputs, 1);
  EXPECT_EQ(Outputs().back()["payment"]["reason"], "declined");
}

TEST_F(JoinStoreTest, RedeliveriesAndRepublishedEventsChangeNothing) {
  const std::vector<KafkaMessage> batch = {
      At(kPolicies, 0, PolicyEvent("P1", 1)),
      At(kClaims, 0, ClaimEvent("c1", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", "P1"))};
  EXPECT_EQ(Apply(batch).outputs, 1);
  const ApplyCounts again = Apply(batch);  // redelivered after a restart: before the positions
  EXPECT_EQ(again.skipped, 2);
  EXPECT_EQ(again.outputs, 0);
  // The same event published again (the relay's at-least-once) at a later offset.
  const ApplyCounts republished = Apply(
      {At(kClaims, 5, ClaimEvent("c1", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", "P1"))});
  EXPECT_EQ(republished.skipped, 1);
  EXPECT_EQ(Outputs().size(), 1u);
  const auto positions = store_->Positions();
  ASSERT_TRUE(positions.ok());
  EXPECT_EQ(positions->at({kClaims, 0}), 6);
  EXPECT_EQ(positions->at({kPolicies, 0}), 1);
  // Several messages of one partition in a batch: the position is the last one's.
  Apply(
      {At(kClaims, 6, ClaimEvent("d1", 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", "P1")),
       At(kClaims, 7, ClaimEvent("d2", 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", "P1")),
       At(kClaims, 8, ClaimEvent("d3", 2, "SUBMITTED", "RESERVED", "POLICY_CHECK_PASSED", "P1"))});
  EXPECT_EQ(store_->Positions()->at({kClaims, 0}), 9);
}

TEST_F(JoinStoreTest, AClaimWithNoPolicyIsJoinedWithNone) {
  Apply({At(kClaims, 0,
            ClaimEvent("c4", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", nullptr))});
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0]["policy"].is_null());
  EXPECT_TRUE(out[0]["payment"].is_null());
}

TEST_F(JoinStoreTest, AClaimRejectedForAnUnknownPolicyDoesNotWaitForIt) {
  Apply({At(kClaims, 0,
            ClaimEvent("c9", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", "POL-NOPE"))});
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["policy_id"], "POL-NOPE");
  EXPECT_TRUE(out[0]["policy"].is_null());
  EXPECT_EQ(*store_->WaitingCount(), 0);
}

TEST_F(JoinStoreTest, EachTerminalStateAClaimReachesIsOneRecord) {
  Apply(
      {At(kPolicies, 0, PolicyEvent("P1", 1)),
       At(kPayments, 0, ResultEvent("c5", "PAYMENT_SETTLED")),
       At(kClaims, 0, ClaimEvent("c5", 4, "PAYMENT_REQUESTED", "PAID", "PAYMENT_SETTLED", "P1"))});
  // Cancelled after payment: refunded, so it reaches REVERSED too.
  Apply(
      {At(kClaims, 1, ClaimEvent("c5", 5, "PAID", "REVERSAL_REQUESTED", "CANCEL_REQUESTED", "P1")),
       At(kPayments, 1, ResultEvent("c5", "REFUNDED", "REFUND_REQUESTED")),
       At(kClaims, 2, ClaimEvent("c5", 6, "REVERSAL_REQUESTED", "REVERSED", "REFUNDED", "P1"))});
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["event_id"], "c5/joined/PAID");
  EXPECT_EQ(out[1]["event_id"], "c5/joined/REVERSED");
  EXPECT_EQ(out[1]["payment"]["result"], "REFUNDED");
}

TEST_F(JoinStoreTest, ADeletedPolicyIsStillJoinedAndSaysSo) {
  Apply(
      {At(kPolicies, 0, PolicyEvent("P9", 1)),
       At(std::string(topics::kPolicyDeleted), 0, PolicyEvent("P9", 1, "POLICY_DELETED")),
       At(kPolicies, 1, PolicyEvent("P9", 1)),  // the creation again, late: the delete sticks
       At(kClaims, 0, ClaimEvent("c6", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", "P9"))});
  const auto out = Outputs();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["policy_deleted"], true);
}

TEST_F(JoinStoreTest, AMessageNotMatchingItsSchemaIsLeftOutAndPassed) {
  KafkaMessage bad = At(kClaims, 0, nlohmann::json({{"claim_id", "c7"}}));
  KafkaMessage garbage = At(kPayments, 0, nlohmann::json());
  garbage.value = "not json";
  const ApplyCounts counts = Apply({bad, garbage});
  EXPECT_EQ(counts.invalid, 2);
  EXPECT_EQ(store_->Positions()->at({kClaims, 0}), 1);
  EXPECT_TRUE(Outputs().empty());
}

TEST_F(JoinStoreTest, PublishedRecordsLeaveTheQueueAndSurviveAReopen) {
  Apply({At(kClaims, 0,
            ClaimEvent("c8", 2, "SUBMITTED", "REJECTED", "POLICY_CHECK_FAILED", nullptr))});
  const Status saved = store_->SaveRelayStart({{0, 7}, {1, 3}});
  ASSERT_TRUE(saved.ok()) << saved.ToString();
  const std::vector<std::string> ids = {"c8/joined/REJECTED"};
  ASSERT_TRUE(store_->MarkPublished(ids).ok());
  store_.reset();
  auto reopened = JoinStore::Open((dir_ / "joiner.sqlite").string(), {"claims-joiner", "j-1"});
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->Unpublished()->empty());
  EXPECT_EQ((*reopened)->RelayStart()->at(0), 7);
  EXPECT_EQ((*reopened)->Positions()->at({kClaims, 0}), 1);
}

}  // namespace
}  // namespace claims
