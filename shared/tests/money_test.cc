#include "shared/money.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

int64_t Cents(std::string_view text) {
  StatusOr<Money> m = Money::Parse(text);
  EXPECT_TRUE(m.ok()) << text << ": " << m.status().ToString();
  return m.ok() ? m->cents() : -999;
}

std::string Refusal(std::string_view text) {
  StatusOr<Money> m = Money::Parse(text);
  EXPECT_FALSE(m.ok()) << text;
  return m.ok() ? "" : m.status().message();
}

TEST(MoneyTest, ParsesProviderExportForms) {
  EXPECT_EQ(Cents("100"), 10000);
  EXPECT_EQ(Cents("$100.00 "), 10000);
  EXPECT_EQ(Cents(" 12.5"), 1250);
  EXPECT_EQ(Cents("0.07"), 7);
  EXPECT_EQ(Cents(".5"), 50);
  EXPECT_EQ(Cents("1,234,567.89"), 123456789);
  EXPECT_EQ(Cents("-$3.10"), -310);
  EXPECT_EQ(Cents("10.500"), 1050);
}

TEST(MoneyTest, RefusesWhatIsNotAnExactAmount) {
  EXPECT_EQ(Refusal("0.125"), "has more than 2 decimal places");
  EXPECT_EQ(Refusal(""), "is empty; expected a decimal amount such as 120.50");
  EXPECT_EQ(Refusal("$"), "has no digits; expected a decimal amount such as 120.50");
  EXPECT_EQ(Refusal("12a"), "is not a decimal amount (unexpected 'a')");
  EXPECT_EQ(Refusal("1,23"), "has a misplaced thousands separator");
  EXPECT_EQ(Refusal("1e5"), "is not a decimal amount (unexpected 'e')");
  EXPECT_EQ(Refusal("99999999999999999999"), "is too large");
}

TEST(MoneyTest, FormatsCanonically) {
  EXPECT_EQ(Money::FromCents(0).ToString(), "0.00");
  EXPECT_EQ(Money::FromCents(5).ToString(), "0.05");
  EXPECT_EQ(Money::FromCents(123456).ToString(), "1234.56");
  EXPECT_EQ(Money::FromCents(-310).ToString(), "-3.10");
}

TEST(MoneyTest, TextRoundTripsForManyAmounts) {
  for (int64_t cents = -2000; cents <= 200000; cents += 7) {
    EXPECT_EQ(Cents(Money::FromCents(cents).ToString()), cents);
  }
}

}  // namespace
}  // namespace claims
