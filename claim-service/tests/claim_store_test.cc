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

// Every combination of list filters reads through an index when one of the indexed columns is
// filtered (the planner's words: "SEARCH claims USING INDEX ..."), and answers what the filters
// say. Without one of them (no filter, or only submission times), the claims are read in
// position order until the page is full.
TEST_F(ClaimStoreTest, EveryListFilterCombinationUsesItsIndex) {
  AddClaims("1111111111", 100, 3, "PAID");
  AddClaims("2222222222", 100, 2, "REJECTED");
  ASSERT_TRUE(db_->Exec("UPDATE claims SET provider = 'saa', policy_id = 'p-1', created_at = "
                        "'2026-12-01T00:00:00.000Z' WHERE provider_npi = '1111111111'")
                  .ok());
  for (int mask = 0; mask < 64; ++mask) {
    ClaimFilter f;
    if (mask & 1) f.status = ClaimState::kPaid;
    if (mask & 2) f.policy_id = "p-1";
    if (mask & 4) f.provider_npi = "1111111111";
    if (mask & 8) f.provider = "saa";
    if (mask & 16) f.submitted_from = "2026-11-01T00:00:00.000Z";
    if (mask & 32) f.submitted_to = "2027-01-01T00:00:00.000Z";
    auto plan = db_->Prepare("EXPLAIN QUERY PLAN " + ListClaimsSql(f));
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    if (f.status) (*plan)->Bind(1, std::string_view("PAID"));
    if (f.policy_id) (*plan)->Bind(2, f.policy_id);
    if (f.provider_npi) (*plan)->Bind(3, f.provider_npi);
    (*plan)->Bind(4, 10).Bind(5, 0);
    if (f.provider) (*plan)->Bind(6, f.provider);
    if (f.submitted_from) (*plan)->Bind(7, f.submitted_from);
    if (f.submitted_to) (*plan)->Bind(8, f.submitted_to);
    std::string steps;
    while (*(*plan)->Step()) steps += (*plan)->ColumnText(3) + "; ";
    (*plan)->Reset();
    if ((mask & 15) != 0) {
      EXPECT_NE(steps.find("USING INDEX claims_"), std::string::npos) << mask << ": " << steps;
      EXPECT_EQ(steps.find("SCAN claims"), std::string::npos) << mask << ": " << steps;
    }
    StatusOr<std::vector<Claim>> page = ListClaims(*db_, f, 0, 10);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    // Each filter matches the three claims of 1111111111 and none of the two others, but for
    // submitted_from (their created_at, 'x', sorts after every time).
    const size_t expected = (mask & ~16) == 0 ? 5u : 3u;
    EXPECT_EQ(page->size(), expected) << mask;
  }
}

}  // namespace
}  // namespace claims
