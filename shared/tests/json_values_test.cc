#include "shared/json_values.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

using nlohmann::json;

TEST(JsonValuesTest, MoneyFromJsonNumbersIsExact) {
  std::string reason;
  EXPECT_EQ(ReadMoneyValue(json::parse("0.1"), &reason)->cents(), 10);
  EXPECT_EQ(ReadMoneyValue(json::parse("1200.10"), &reason)->cents(), 120010);
  EXPECT_EQ(ReadMoneyValue(json::parse("19.99"), &reason)->cents(), 1999);
  EXPECT_EQ(ReadMoneyValue(json::parse("1500"), &reason)->cents(), 150000);
  EXPECT_EQ(ReadMoneyValue(json("$7.25 "), &reason)->cents(), 725);
}

TEST(JsonValuesTest, MoneyRefusals) {
  std::string reason;
  EXPECT_FALSE(ReadMoneyValue(json::parse("0.125"), &reason));
  EXPECT_EQ(reason, "has more than 2 decimal places");
  EXPECT_FALSE(ReadMoneyValue(json(true), &reason));
  EXPECT_EQ(reason, "must be a decimal amount (number or string), not a boolean");
  EXPECT_FALSE(ReadMoneyValue(json::parse("1e300"), &reason));
  EXPECT_EQ(reason, "is too large");
}

TEST(JsonValuesTest, TextIsTrimmedAndBounded) {
  std::string reason;
  EXPECT_EQ(*ReadTextValue(json("  Ada  "), 10, &reason), "Ada");
  EXPECT_FALSE(ReadTextValue(json("   "), 10, &reason));
  EXPECT_EQ(reason, "must not be empty");
  EXPECT_FALSE(ReadTextValue(json("abcdefghijk"), 10, &reason));
  EXPECT_EQ(reason, "must be at most 10 bytes");
  EXPECT_FALSE(ReadTextValue(json(5), 10, &reason));
  EXPECT_EQ(reason, "must be a string, not a number");
}

TEST(JsonValuesTest, CodesAcceptIntegersFromSpreadsheets) {
  std::string reason;
  EXPECT_EQ(*ReadCodeValue(json(12345), 20, &reason), "12345");
  EXPECT_EQ(*ReadCodeValue(json(" G-77 "), 20, &reason), "G-77");
  EXPECT_FALSE(ReadCodeValue(json(-3), 20, &reason));
}

}  // namespace
}  // namespace claims
