// PaymentProcessor with a fake gateway and a real journal (no broker).
#include "payment_service/payment_processor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>

#include "payment_service/schema.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

class CountingGateway final : public PaymentGateway {
 public:
  std::vector<GatewayResult> Process(std::span<const GatewayRequest> requests) override {
    std::vector<GatewayResult> out;
    for (const auto& r : requests) {
      ++calls;
      out.push_back({next, next == GatewayOutcome::kTransient ? "try again" : "", r.amount_cents});
    }
    return out;
  }
  // The processor never reads the ledger.
  StatusOr<std::optional<LedgerEntry>> Lookup(const std::string&) override {
    return std::optional<LedgerEntry>();
  }
  GatewayOutcome next = GatewayOutcome::kSettled;
  int calls = 0;
};

class Recorder final : public wal::CommitListener {
 public:
  void OnCommitted(uint64_t, std::vector<OutgoingEvent> events) override {
    for (auto& e : events) this->events.push_back(std::move(e));
  }
  std::vector<OutgoingEvent> events;
};

class PaymentProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = std::filesystem::path(::testing::TempDir()) /
                     ("processor_" +
                      std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                      "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db_path_ = (dir / "payments.sqlite").string();
    auto db = SqliteDatabase::Open(db_path_);
    ASSERT_TRUE((*db)->Migrate(PaymentServiceMigrations()).ok());
    wal::JournalOptions o;
    o.wal_dir = (dir / "wal").string();
    o.wal_id = "payment-service/test";
    o.db_path = db_path_;
    o.tables = PaymentServiceTables();
    o.log.fsync = wal::FsyncPolicy::kNone;
    auto j = wal::Journal::Open(o);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    journal_ = std::move(*j);
    journal_->SetListener(&recorder_);
    processor_ = std::make_unique<PaymentProcessor>(*journal_, gateway_, clock_,
                                                    EventSource{"payment-service", "test"});
  }

  KafkaMessage Command(const std::string& id,
                       PaymentCommandType type = PaymentCommandType::kPaymentRequested) {
    PaymentCommand c;
    c.event_id = id;
    c.type = type;
    c.claim_id = "claim-1";
    c.payment_id = "pay-1";
    c.amount_cents = 1234;
    c.provider_npi = "1234567890";
    c.issued_at = "2026-11-22T10:00:00.000Z";
    const OutgoingEvent e = EncodePaymentCommand(c, {"claim-service", "test"});
    KafkaMessage m;
    m.topic = e.topic;
    m.key = e.key;
    m.value = e.payload;
    m.headers["event_id"] = e.event_id;
    return m;
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1772323200))};
  std::string db_path_;
  CountingGateway gateway_;
  Recorder recorder_;
  std::unique_ptr<wal::Journal> journal_;
  std::unique_ptr<PaymentProcessor> processor_;
};

TEST_F(PaymentProcessorTest, CommandIsAppliedOnceAndAnsweredWithAStableEventId) {
  std::vector<OutgoingEvent> dead;
  const std::vector<KafkaMessage> batch = {Command("c1"), Command("c1")};
  ASSERT_TRUE(processor_->Process(batch, &dead).ok());
  ASSERT_TRUE(processor_->Process(std::vector<KafkaMessage>{Command("c1")}, &dead)
                  .ok());  // redelivered later
  EXPECT_TRUE(dead.empty());
  EXPECT_EQ(gateway_.calls, 2) << "the duplicate in the first batch reached the gateway, "
                                  "which is idempotent; the redelivery did not";
  ASSERT_EQ(recorder_.events.size(), 1u);
  EXPECT_EQ(recorder_.events[0].event_id, "c1/result");
  auto result = DecodePaymentResult(recorder_.events[0].payload);
  EXPECT_EQ(result->type, PaymentResultType::kPaymentSettled);
  auto db = SqliteDatabase::Open(db_path_);
  StatusOr<Payment> p = LoadPayment(**db, "pay-1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, "SETTLED");
  EXPECT_EQ(p->version, 1);
}

// A command's dedup row is kept for its window (7 days), then removed through the journal; the
// same command redelivered after that asks the gateway again (its ledger answers a payment id
// the same way) and is answered with the same result event id.
TEST_F(PaymentProcessorTest, CommandDedupRowsExpireAndALateRedeliveryIsAnsweredTheSame) {
  std::vector<OutgoingEvent> dead;
  ASSERT_TRUE(processor_->Process(std::vector<KafkaMessage>{Command("c1")}, &dead).ok());
  const auto rules = PaymentServiceRetention(std::chrono::hours(24 * 7));
  clock_.Advance(std::chrono::hours(24 * 7 - 1));
  EXPECT_EQ(*wal::RemoveExpiredRows(*journal_, rules, clock_.Now()), 0);
  ASSERT_TRUE(processor_->Process(std::vector<KafkaMessage>{Command("c1")}, &dead).ok());
  EXPECT_EQ(gateway_.calls, 1) << "remembered within the window";
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(*wal::RemoveExpiredRows(*journal_, rules, clock_.Now()), 1);
  ASSERT_TRUE(processor_->Process(std::vector<KafkaMessage>{Command("c1")}, &dead).ok());
  EXPECT_EQ(gateway_.calls, 2);
  ASSERT_EQ(recorder_.events.size(), 2u);
  EXPECT_EQ(recorder_.events[1].event_id, recorder_.events[0].event_id);
  EXPECT_EQ(DecodePaymentResult(recorder_.events[1].payload)->type,
            PaymentResultType::kPaymentSettled);
  EXPECT_TRUE(dead.empty());
}

TEST_F(PaymentProcessorTest, TransientAndRefusedAnswersBecomeAttemptFailures) {
  std::vector<OutgoingEvent> dead;
  gateway_.next = GatewayOutcome::kTransient;
  ASSERT_TRUE(processor_->Process(std::vector<KafkaMessage>{Command("c1")}, &dead).ok());
  gateway_.next = GatewayOutcome::kRefused;
  ASSERT_TRUE(
      processor_
          ->Process(std::vector<KafkaMessage>{Command("c2", PaymentCommandType::kRefundRequested)},
                    &dead)
          .ok());
  ASSERT_EQ(recorder_.events.size(), 2u);
  auto transient = DecodePaymentResult(recorder_.events[0].payload);
  EXPECT_EQ(transient->type, PaymentResultType::kAttemptFailed);
  EXPECT_TRUE(transient->transient);
  auto refused = DecodePaymentResult(recorder_.events[1].payload);
  EXPECT_EQ(refused->type, PaymentResultType::kAttemptFailed);
  EXPECT_FALSE(refused->transient);
}

TEST_F(PaymentProcessorTest, UndecodableCommandsAreDeadLetteredAndTheRestApplied) {
  KafkaMessage garbage;
  garbage.topic = "payment-commands";
  garbage.key = "k";
  garbage.partition = 3;
  garbage.offset = 42;
  garbage.value = "{not json";
  KafkaMessage wrong_key = Command("c2");
  wrong_key.key = "another-claim";
  std::vector<OutgoingEvent> dead;
  ASSERT_TRUE(
      processor_->Process(std::vector<KafkaMessage>{garbage, Command("c1"), wrong_key}, &dead)
          .ok());
  ASSERT_EQ(dead.size(), 2u);
  EXPECT_EQ(dead[0].topic, "payment-commands.dlq");
  EXPECT_EQ(dead[0].payload, "{not json");
  EXPECT_EQ(dead[0].event_id, "payment-commands/3/42");
  EXPECT_EQ(dead[1].headers[0].second, "claim_id claim-1 differs from the key another-claim");
  EXPECT_EQ(recorder_.events.size(), 1u);
}

}  // namespace
}  // namespace claims
