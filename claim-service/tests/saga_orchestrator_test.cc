// The saga with fakes: a real journal in a temporary directory, a manual clock, and payment
// results fed by hand instead of a broker and payment-service.
#include "claim_service/saga_orchestrator.h"

#include <gtest/gtest.h>

#include "claim_service/policy_service.h"
#include "claim_service/schema.h"
#include "test_journal.h"
#include "wal/retention.h"

namespace claims {
namespace {

using S = ClaimState;

class SagaOrchestratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fixture_ = std::make_unique<testing::JournalFixture>(testing::TestDirectory());
    store_ = std::make_unique<PolicyStore>(fixture_->reads);
    policies_ = std::make_unique<PolicyService>(*fixture_->journal, *store_, clock_,
                                                EventSource{"claim-service", "test"});
    SagaSettings settings;
    settings.payment_deadline = std::chrono::seconds(30);
    settings.answer_timeout = std::chrono::seconds(5);
    settings.backoff_base = std::chrono::milliseconds(200);
    settings.max_compensation_attempts = 3;
    settings.jitter_seed = 42;
    saga_ = std::make_unique<SagaOrchestrator>(settings, clock_,
                                               EventSource{"claim-service", "test"}, metrics_);
    PolicyFields f = testing::PolicyFieldsFor(1);
    f.coverage_amount = Money::FromCents(100000);  // 1,000.00
    StatusOr<Policy> p = policies_->Create(f);
    ASSERT_TRUE(p.ok());
    policy_id_ = p->policy_id;
    fixture_->listener.Take();
  }

  ClaimSubmission Submission(int64_t net_fee_cents) {
    ClaimSubmission s;
    s.service_date = *Date::ParseIso("2026-03-01");
    s.submitted_procedure = "D0120";
    s.subscriber_number = "S-1";
    s.plan_group_number = "G-1";
    s.provider_npi = "1234567890";
    s.provider_fees = Money::FromCents(net_fee_cents);
    return s;
  }

  Claim Submit(int64_t net_fee_cents) {
    std::vector<Claim> out;
    const Status s = fixture_->journal->Execute([&](wal::JournalTxn& txn) -> Status {
      auto stored = saga_->Submit(txn, {Submission(net_fee_cents)}, std::nullopt);
      if (!stored.ok()) return stored.status();
      out = *stored;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out.at(0);
  }

  Claim Load(const std::string& id) {
    const ReadConnections::Lease db = fixture_->reads->Acquire();
    return *LoadClaim(*db, id);
  }

  Coverage Books() {
    const ReadConnections::Lease db = fixture_->reads->Acquire();
    return *LoadCoverage(*db, policy_id_);
  }

  // The payment commands published since the last call, in order.
  std::vector<PaymentCommand> Commands() {
    std::vector<PaymentCommand> out;
    for (const OutgoingEvent& e : fixture_->listener.Take()) {
      if (e.topic == "payment-commands") out.push_back(*DecodePaymentCommand(e.payload));
    }
    return out;
  }

  Status Answer(const PaymentCommand& c, PaymentResultType type, bool transient = true) {
    PaymentResult r;
    r.event_id = c.event_id + "/result";
    r.type = type;
    r.claim_id = c.claim_id;
    r.payment_id = c.payment_id;
    r.command_id = c.event_id;
    r.command_type = c.type;
    r.amount_cents = c.amount_cents;
    r.transient = transient;
    r.occurred_at = FormatRfc3339(clock_.Now());
    return fixture_->journal->Execute(
        [&](wal::JournalTxn& txn) { return saga_->OnPaymentResult(txn, r); });
  }

  Status Due(const std::string& id) {
    return fixture_->journal->Execute([&](wal::JournalTxn& txn) { return saga_->OnDue(txn, id); });
  }

  std::vector<std::string> HistoryStates(const std::string& id) {
    const ReadConnections::Lease db = fixture_->reads->Acquire();
    std::vector<std::string> states;
    const auto history = LoadClaimHistory(*db, id);
    for (const auto& h : *history) states.push_back(h.status);
    return states;
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1772323200))};
  prometheus::Registry metrics_;
  std::unique_ptr<testing::JournalFixture> fixture_;
  std::unique_ptr<PolicyStore> store_;
  std::unique_ptr<PolicyService> policies_;
  std::unique_ptr<SagaOrchestrator> saga_;
  std::string policy_id_;
};

TEST_F(SagaOrchestratorTest, SettledPaymentIsPaidAndCoverageIsUsed) {
  const Claim c = Submit(8600);
  EXPECT_EQ(c.status, S::kPaymentRequested);
  EXPECT_EQ(Books().reserved_cents, 8600);
  const auto commands = Commands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].type, PaymentCommandType::kPaymentRequested);
  EXPECT_EQ(commands[0].amount_cents, 8600);
  ASSERT_TRUE(Answer(commands[0], PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kPaid);
  EXPECT_EQ(Books().reserved_cents, 0);
  EXPECT_EQ(Books().paid_cents, 8600);
  EXPECT_EQ(HistoryStates(c.claim_id),
            (std::vector<std::string>{"SUBMITTED", "RESERVED", "PAYMENT_REQUESTED", "PAID"}));
}

// A payment result's dedup row is kept for its window (7 days), then removed through the
// journal; the same result redelivered after that finds its claim paid and changes nothing.
TEST_F(SagaOrchestratorTest, ResultDedupRowsExpireAndALateRedeliveryChangesNothing) {
  const Claim c = Submit(8600);
  const PaymentCommand command = Commands().at(0);
  ASSERT_TRUE(Answer(command, PaymentResultType::kPaymentSettled).ok());
  const auto processed = [&] {
    const ReadConnections::Lease db = fixture_->reads->Acquire();
    auto s = db->Prepare("SELECT COUNT(*) FROM processed_events WHERE processed_at IS NOT NULL");
    (void)(*s)->Step();
    const int64_t n = (*s)->ColumnInt(0);
    (*s)->Reset();
    return n;
  };
  EXPECT_EQ(processed(), 1);
  const auto rules = ClaimServiceRetention(std::chrono::hours(24), std::chrono::hours(24 * 7));
  clock_.Advance(std::chrono::hours(24 * 7 - 1));
  EXPECT_EQ(*wal::RemoveExpiredRows(*fixture_->journal, rules, clock_.Now()), 0);
  EXPECT_EQ(processed(), 1);
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(*wal::RemoveExpiredRows(*fixture_->journal, rules, clock_.Now()), 1);
  EXPECT_EQ(processed(), 0);

  fixture_->listener.Take();
  ASSERT_TRUE(Answer(command, PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kPaid);
  EXPECT_EQ(Books().paid_cents, 8600);
  EXPECT_EQ(Books().reserved_cents, 0);
  EXPECT_EQ(HistoryStates(c.claim_id),
            (std::vector<std::string>{"SUBMITTED", "RESERVED", "PAYMENT_REQUESTED", "PAID"}));
  EXPECT_TRUE(fixture_->listener.Take().empty());
}

TEST_F(SagaOrchestratorTest, DeclinedPaymentReleasesReservation) {
  const Claim c = Submit(5000);
  ASSERT_TRUE(Answer(Commands().at(0), PaymentResultType::kPaymentDeclined).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kPaymentFailed);
  EXPECT_EQ(Books().reserved_cents, 0);
  EXPECT_EQ(Books().paid_cents, 0);
}

TEST_F(SagaOrchestratorTest, TransientFailureIsRetriedWithBackoffThenSettles) {
  const Claim c = Submit(5000);
  const PaymentCommand first = Commands().at(0);
  ASSERT_TRUE(Answer(first, PaymentResultType::kAttemptFailed).ok());
  Claim waiting = Load(c.claim_id);
  EXPECT_EQ(waiting.status, S::kPaymentRequested);
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch())
          .count();
  // Backoff of attempt 1: 100 to 200 ms with jitter.
  ASSERT_TRUE(waiting.next_check_us.has_value());
  EXPECT_GE(*waiting.next_check_us - now_us, 100000);
  EXPECT_LE(*waiting.next_check_us - now_us, 200000);
  ASSERT_TRUE(Due(c.claim_id).ok());
  EXPECT_TRUE(Commands().empty()) << "retried before its time";
  clock_.Advance(std::chrono::milliseconds(250));
  ASSERT_TRUE(Due(c.claim_id).ok());
  const auto retries = Commands();
  ASSERT_EQ(retries.size(), 1u);
  EXPECT_EQ(retries[0].attempt, 2);
  EXPECT_EQ(retries[0].payment_id, first.payment_id) << "a retry must reuse the idempotency key";
  EXPECT_NE(retries[0].event_id, first.event_id);
  ASSERT_TRUE(Answer(retries[0], PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kPaid);
}

// Each history line records the payment command its step sent, the payment result it took and
// the WAL entry that made it durable; the entry at that LSN holds that very line.
TEST_F(SagaOrchestratorTest, EachStepRecordsItsCommandResultAndWalEntry) {
  const Claim c = Submit(5000);
  const PaymentCommand first = Commands().at(0);
  ASSERT_TRUE(Answer(first, PaymentResultType::kAttemptFailed).ok());
  clock_.Advance(std::chrono::milliseconds(250));
  ASSERT_TRUE(Due(c.claim_id).ok());
  const PaymentCommand retry = Commands().at(0);
  ASSERT_TRUE(Answer(retry, PaymentResultType::kPaymentSettled).ok());
  std::vector<ClaimHistoryEntry> lines;
  {
    const ReadConnections::Lease db = fixture_->reads->Acquire();
    lines = *LoadClaimHistory(*db, c.claim_id);
  }
  ASSERT_EQ(lines.size(), 6u);  // SUBMITTED RESERVED PAYMENT_REQUESTED x3 PAID
  const auto json_of = [](const std::string& text) {
    return text.empty() ? nlohmann::json() : nlohmann::json::parse(text);
  };
  EXPECT_TRUE(lines[1].command.empty() && lines[1].result.empty());
  const nlohmann::json sent = json_of(lines[2].command);
  EXPECT_EQ(sent["type"], "PAYMENT_REQUESTED");
  EXPECT_EQ(sent["event_id"], first.event_id);
  EXPECT_EQ(sent["payment_id"], first.payment_id);
  EXPECT_EQ(sent["amount"], "50.00");
  EXPECT_EQ(sent["attempt"], 1);
  const nlohmann::json failed = json_of(lines[3].result);
  EXPECT_EQ(lines[3].event, "ATTEMPT_FAILED");
  EXPECT_EQ(failed["type"], "PAYMENT_ATTEMPT_FAILED");
  EXPECT_EQ(failed["command_id"], first.event_id);
  EXPECT_EQ(failed["transient"], true);
  EXPECT_TRUE(lines[3].command.empty()) << "a failure schedules, it sends nothing";
  EXPECT_EQ(json_of(lines[4].command)["attempt"], 2);
  EXPECT_EQ(json_of(lines[4].command)["event_id"], retry.event_id);
  const nlohmann::json settled = json_of(lines[5].result);
  EXPECT_EQ(settled["type"], "PAYMENT_SETTLED");
  EXPECT_EQ(settled["command_id"], retry.event_id);
  EXPECT_FALSE(settled.contains("transient"));

  // One command per submission: its three lines are one entry; each later step its own.
  for (const ClaimHistoryEntry& h : lines) EXPECT_EQ(h.wal_id, "claim-service/test");
  EXPECT_GT(lines[0].lsn, 0);
  EXPECT_EQ(lines[1].lsn, lines[0].lsn);
  EXPECT_EQ(lines[2].lsn, lines[0].lsn);
  for (size_t i = 3; i < lines.size(); ++i) EXPECT_GT(lines[i].lsn, lines[i - 1].lsn);
  for (const ClaimHistoryEntry& h : lines) {
    bool found = false;
    ASSERT_TRUE(fixture_->journal->log()
                    .ReadFrom(static_cast<uint64_t>(h.lsn),
                              [&](const wal::Entry& e) {
                                const wal::JournalRecord r = *wal::DecodeJournalRecord(e.payload);
                                for (const wal::RowChange& change : r.changes) {
                                  found = found || (change.table == "claim_history" &&
                                                    change.row["seq"] == h.seq &&
                                                    change.row["lsn"] == h.lsn);
                                }
                                return false;  // only the entry at h.lsn
                              })
                    .ok());
    EXPECT_TRUE(found) << "line " << h.seq << " is not in the entry at LSN " << h.lsn;
  }
}

TEST_F(SagaOrchestratorTest, DeadlinePassedVoidsThePayment) {
  const Claim c = Submit(5000);
  Commands();
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(Due(c.claim_id).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kVoidRequested);
  const auto voids = Commands();
  ASSERT_EQ(voids.size(), 1u);
  EXPECT_EQ(voids[0].type, PaymentCommandType::kVoidRequested);
  ASSERT_TRUE(Answer(voids[0], PaymentResultType::kVoided).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kVoided);
  EXPECT_EQ(Books().reserved_cents, 0);
}

TEST_F(SagaOrchestratorTest, VoidThatMeetsASettlementRefundsIt) {
  const Claim c = Submit(5000);
  const PaymentCommand pay = Commands().at(0);
  clock_.Advance(std::chrono::seconds(31));
  ASSERT_TRUE(Due(c.claim_id).ok());
  const PaymentCommand void_command = Commands().at(0);
  // The gateway had settled already: the void is answered with the settlement.
  ASSERT_TRUE(Answer(void_command, PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kReversalRequested);
  const PaymentCommand refund = Commands().at(0);
  EXPECT_EQ(refund.type, PaymentCommandType::kRefundRequested);
  ASSERT_TRUE(Answer(refund, PaymentResultType::kRefunded).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kReversed);
  EXPECT_EQ(Books().paid_cents + Books().reserved_cents, 0);
  // The original payment's late answer changes nothing.
  ASSERT_TRUE(Answer(pay, PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kReversed);
}

TEST_F(SagaOrchestratorTest, CancelAfterPaidRefundsAndRestoresCoverage) {
  const Claim c = Submit(7000);
  ASSERT_TRUE(Answer(Commands().at(0), PaymentResultType::kPaymentSettled).ok());
  StatusOr<Claim> cancelled = Internal("not run");
  ASSERT_TRUE(fixture_->journal
                  ->Execute([&](wal::JournalTxn& txn) {
                    cancelled = saga_->Cancel(txn, c.claim_id);
                    return cancelled.status();
                  })
                  .ok());
  EXPECT_EQ(cancelled->status, S::kReversalRequested);
  ASSERT_TRUE(Answer(Commands().at(0), PaymentResultType::kRefunded).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kReversed);
  EXPECT_EQ(Books().paid_cents, 0);
}

TEST_F(SagaOrchestratorTest, CompensationThatKeepsFailingIsParkedThenRetried) {
  const Claim c = Submit(7000);
  ASSERT_TRUE(Answer(Commands().at(0), PaymentResultType::kPaymentSettled).ok());
  ASSERT_TRUE(
      fixture_->journal
          ->Execute([&](wal::JournalTxn& txn) { return saga_->Cancel(txn, c.claim_id).status(); })
          .ok());
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto refunds = Commands();
    ASSERT_EQ(refunds.size(), 1u) << "attempt " << attempt;
    EXPECT_EQ(refunds[0].attempt, attempt);
    ASSERT_TRUE(Answer(refunds[0], PaymentResultType::kAttemptFailed).ok());
    clock_.Advance(std::chrono::seconds(20));
    ASSERT_TRUE(Due(c.claim_id).ok());
  }
  Claim parked = Load(c.claim_id);
  EXPECT_EQ(parked.status, S::kCompensationFailed);
  EXPECT_EQ(parked.failed_in, S::kReversalRequested);
  EXPECT_EQ(Books().paid_cents, 7000) << "nothing was refunded, so coverage stays used";
  // An operator retries: the refund is sent again and this time succeeds.
  Commands();
  ASSERT_TRUE(
      fixture_->journal
          ->Execute([&](wal::JournalTxn& txn) { return saga_->Retry(txn, c.claim_id).status(); })
          .ok());
  const auto retried = Commands();
  ASSERT_EQ(retried.size(), 1u);
  EXPECT_EQ(retried[0].type, PaymentCommandType::kRefundRequested);
  ASSERT_TRUE(Answer(retried[0], PaymentResultType::kRefunded).ok());
  EXPECT_EQ(Load(c.claim_id).status, S::kReversed);
  EXPECT_EQ(Books().paid_cents, 0);
}

TEST_F(SagaOrchestratorTest, ClaimsOverTheRemainingCoverageAreRejected) {
  const Claim first = Submit(60000);
  const Claim second = Submit(60000);
  EXPECT_EQ(first.status, S::kPaymentRequested);
  EXPECT_EQ(second.status, S::kRejected);
  EXPECT_EQ(Load(second.claim_id).reason, "net_fee 600.00 is over the remaining coverage 400.00");
  EXPECT_LE(Books().reserved_cents + Books().paid_cents, 100000);
}

TEST_F(SagaOrchestratorTest, DuplicateResultIsAppliedOnce) {
  const Claim c = Submit(7000);
  const PaymentCommand pay = Commands().at(0);
  ASSERT_TRUE(Answer(pay, PaymentResultType::kPaymentSettled).ok());
  ASSERT_TRUE(Answer(pay, PaymentResultType::kPaymentSettled).ok());
  EXPECT_EQ(Load(c.claim_id).version, 4);
  EXPECT_EQ(Books().paid_cents, 7000);
}

TEST_F(SagaOrchestratorTest, InvalidTransitionsAreRefused) {
  const Claim c = Submit(7000);
  StatusOr<Claim> retried = Internal("not run");
  EXPECT_EQ(fixture_->journal
                ->Execute([&](wal::JournalTxn& txn) {
                  retried = saga_->Retry(txn, c.claim_id);
                  return retried.status();
                })
                .code(),
            StatusCode::kConflict);
  ASSERT_TRUE(Answer(Commands().at(0), PaymentResultType::kPaymentDeclined).ok());
  const Status cancel = fixture_->journal->Execute(
      [&](wal::JournalTxn& txn) { return saga_->Cancel(txn, c.claim_id).status(); });
  EXPECT_EQ(cancel.code(), StatusCode::kConflict);
  EXPECT_EQ(cancel.message(), "claim " + c.claim_id +
                                  " is PAYMENT_FAILED; only a claim in PAYMENT_REQUESTED or PAID "
                                  "can be cancelled");
}

}  // namespace
}  // namespace claims
