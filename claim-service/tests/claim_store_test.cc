#include "claim_service/claim_store.h"

#include <gtest/gtest.h>

#include "claim_service/schema.h"

namespace claims {
namespace {

class ClaimStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = SqliteDatabase::Open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Migrate(ClaimServiceMigrations()).ok());
  }

  // `count` claims of `npi` with net fee `cents` each, in state `status`.
  void AddClaims(const std::string& npi, int64_t cents, int count,
                 const std::string& status = "PAID") {
    ASSERT_TRUE(db_->Exec("BEGIN").ok());
    for (int i = 0; i < count; ++i) {
      const std::string id = npi + "-" + status + "-" + std::to_string(next_++);
      ASSERT_TRUE(db_->Exec("INSERT INTO claims (claim_id, service_date, submitted_procedure, "
                            "provider_npi, provider_fees_cents, allowed_fees_cents, "
                            "member_coinsurance_cents, member_copay_cents, net_fee_cents, status, "
                            "attempts, version, created_at, updated_at) VALUES ('" +
                            id + "', '2026-01-01', 'D0120', '" + npi + "', " +
                            std::to_string(cents) + ", 0, 0, 0, " + std::to_string(cents) + ", '" +
                            status + "', 0, 1, 'x', 'x')")
                      .ok());
    }
    ASSERT_TRUE(db_->Exec("COMMIT").ok());
  }

  std::unique_ptr<SqliteDatabase> db_;
  int next_ = 0;
};

// 2^63 cents = 92233720368547758.08. Totals around it order and print exactly, carries included.
TEST_F(ClaimStoreTest, TopProviderTotalsAreExactAndOrderedPastInt64) {
  constexpr int64_t kFee = 3'000'000'000'000'000;  // 3 * 10^15 cents, a fee's order of magnitude
  AddClaims("1111111111", kFee, 3075);             // 9.225 * 10^18, above 2^63
  AddClaims("2222222222", kFee, 3074);             // 9.222 * 10^18, below 2^63
  AddClaims("2222222222", 4294967295, 1);          // a low part of all ones: carries
  AddClaims("2222222222", 1, 1);
  AddClaims("3333333333", 99, 2);
  AddClaims("3333333333", kFee, 5000, "REJECTED");  // never approved: not counted
  StatusOr<std::vector<ProviderTotal>> top = TopProviderNpis(*db_, 10, std::nullopt);
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_EQ(top->size(), 3u);
  EXPECT_EQ((*top)[0].provider_npi, "1111111111");
  EXPECT_EQ((*top)[0].net_fee.ToString(), "92250000000000000.00");
  EXPECT_EQ((*top)[0].claims, 3075);
  EXPECT_EQ((*top)[1].provider_npi, "2222222222");
  EXPECT_EQ((*top)[1].net_fee.ToString(), "92220000042949672.96");  // + 4294967296 cents
  EXPECT_EQ((*top)[1].claims, 3076);
  EXPECT_EQ((*top)[2].provider_npi, "3333333333");
  EXPECT_EQ((*top)[2].net_fee.ToString(), "1.98");
  EXPECT_EQ((*top)[2].claims, 2);
}

TEST_F(ClaimStoreTest, EqualTotalsAreOrderedByNpiAndTheLimitHolds) {
  for (int i = 0; i < 12; ++i) AddClaims(std::to_string(1000000000 + i), 500, 1);
  StatusOr<std::vector<ProviderTotal>> top = TopProviderNpis(*db_, 10, std::nullopt);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 10u);
  EXPECT_EQ(top->front().provider_npi, "1000000000");
  EXPECT_EQ(top->back().provider_npi, "1000000009");
  EXPECT_EQ(top->front().net_fee.ToString(), "5.00");
}

}  // namespace
}  // namespace claims
