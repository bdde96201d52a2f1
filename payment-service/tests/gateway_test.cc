#include "payment_service/gateway.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace claims {
namespace {

std::string LedgerPath(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("gateway_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / "ledger.sqlite").string();
}

GatewayRequest Charge(const std::string& payment_id, int64_t cents,
                      const std::string& npi = "1234567890") {
  return {PaymentCommandType::kPaymentRequested, payment_id, "claim-" + payment_id, cents, npi};
}

GatewayRequest Of(PaymentCommandType type, const std::string& payment_id, int64_t cents) {
  return {type, payment_id, "claim-" + payment_id, cents, "1234567890"};
}

class GatewayTest : public ::testing::Test {
 protected:
  std::unique_ptr<SimulatedGateway> Open(GatewaySettings s) {
    s.ledger_path = path_;
    auto g = SimulatedGateway::Open(s, clock_);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return std::move(*g);
  }
  GatewayResult One(PaymentGateway& g, const GatewayRequest& r) { return g.Process({&r, 1})[0]; }

  std::string path_ = LedgerPath(::testing::UnitTest::GetInstance()->current_test_info()->name());
  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1772323200))};
};

TEST_F(GatewayTest, SameKeyTwiceReturnsTheFirstResultAndChargesOnce) {
  auto g = Open({});
  EXPECT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  EXPECT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  // Another instance opening the same ledger sees the same charge.
  auto other = Open({});
  EXPECT_EQ(One(*other, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  auto db = SqliteDatabase::Open(path_);
  auto s = (*db)->Prepare("SELECT COUNT(*) FROM charges");
  ASSERT_TRUE((*s)->Step().ok());
  EXPECT_EQ((*s)->ColumnInt(0), 1);
  (*s)->Reset();
}

TEST_F(GatewayTest, SameKeyWithAnotherAmountIsRefused) {
  auto g = Open({});
  ASSERT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  const GatewayResult r = One(*g, Charge("p1", 700));
  EXPECT_EQ(r.outcome, GatewayOutcome::kRefused);
  EXPECT_EQ(r.reason, "idempotency key p1 was used with amount 5.00");
}

TEST_F(GatewayTest, DeclineRulesApplyAndAreRemembered) {
  GatewaySettings s;
  s.declined_npis = {"9999999999"};
  s.max_amount_cents = 100000;
  auto g = Open(s);
  EXPECT_EQ(One(*g, Charge("p1", 500, "9999999999")).outcome, GatewayOutcome::kDeclined);
  const GatewayResult big = One(*g, Charge("p2", 100001));
  EXPECT_EQ(big.outcome, GatewayOutcome::kDeclined);
  EXPECT_EQ(big.reason, "amount over the limit of 1000.00");
  EXPECT_EQ(One(*g, Charge("p3", 100000)).outcome, GatewayOutcome::kSettled);
}

TEST_F(GatewayTest, VoidBeforeSettlementBlocksTheLateChargeAndSettledChargesAreRefundedOnce) {
  auto g = Open({});
  EXPECT_EQ(One(*g, Of(PaymentCommandType::kVoidRequested, "p1", 500)).outcome,
            GatewayOutcome::kVoided);
  EXPECT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kVoided)
      << "a charge arriving after its void must not settle";
  ASSERT_EQ(One(*g, Charge("p2", 500)).outcome, GatewayOutcome::kSettled);
  EXPECT_EQ(One(*g, Of(PaymentCommandType::kVoidRequested, "p2", 500)).outcome,
            GatewayOutcome::kSettled)
      << "a void after settlement answers with the settlement";
  EXPECT_EQ(One(*g, Of(PaymentCommandType::kRefundRequested, "p2", 500)).outcome,
            GatewayOutcome::kRefunded);
  EXPECT_EQ(One(*g, Of(PaymentCommandType::kRefundRequested, "p2", 500)).outcome,
            GatewayOutcome::kRefunded);
  EXPECT_EQ(One(*g, Of(PaymentCommandType::kRefundRequested, "p3", 500)).outcome,
            GatewayOutcome::kRefused);
}

TEST_F(GatewayTest, TransientFailuresDecideNothing) {
  GatewaySettings s;
  s.transient_failure_rate = 1.0;
  s.seed = 7;
  auto failing = Open(s);
  EXPECT_EQ(One(*failing, Charge("p1", 500)).outcome, GatewayOutcome::kTransient);
  auto healthy = Open({});
  EXPECT_EQ(One(*healthy, Charge("p1", 700)).outcome, GatewayOutcome::kSettled)
      << "the failed attempt left no trace in the ledger";
}

// An outage of one kind of request: those fail transiently, decide nothing, the others go on.
TEST_F(GatewayTest, FailingCommandsAlwaysFailTransientlyAndLeaveTheLedgerAlone) {
  GatewaySettings s;
  s.failing_commands = {PaymentCommandType::kRefundRequested};
  auto g = Open(s);
  ASSERT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  const GatewayResult refund = One(*g, Of(PaymentCommandType::kRefundRequested, "p1", 500));
  EXPECT_EQ(refund.outcome, GatewayOutcome::kTransient);
  EXPECT_EQ(refund.reason, "simulated outage of REFUND_REQUESTED (--failing-commands)");
  EXPECT_EQ((*g->Lookup("p1"))->status, "SETTLED");
  auto healthy = Open({});
  EXPECT_EQ(One(*healthy, Of(PaymentCommandType::kRefundRequested, "p1", 500)).outcome,
            GatewayOutcome::kRefunded);
}

// What operators read: the ledger's entry for a key, or none.
TEST_F(GatewayTest, LookupTellsTheLedgersEntry) {
  auto g = Open({});
  EXPECT_FALSE(g->Lookup("p1")->has_value());
  ASSERT_EQ(One(*g, Charge("p1", 500)).outcome, GatewayOutcome::kSettled);
  ASSERT_EQ(One(*g, Of(PaymentCommandType::kRefundRequested, "p1", 500)).outcome,
            GatewayOutcome::kRefunded);
  StatusOr<std::optional<LedgerEntry>> entry = g->Lookup("p1");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->claim_id, "claim-p1");
  EXPECT_EQ((*entry)->amount_cents, 500);
  EXPECT_EQ((*entry)->status, "REFUNDED");
  EXPECT_FALSE((*entry)->created_at.empty());
  EXPECT_FALSE((*entry)->updated_at.empty());
}

}  // namespace
}  // namespace claims
