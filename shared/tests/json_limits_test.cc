#include "shared/json_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace claims {
namespace {

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string ArrayOf(size_t n, std::string_view item) {
  std::string text = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) text += ',';
    text += item;
  }
  return text + "]";
}

TEST(JsonLimitsTest, DepthIsCountedOutsideStringsOnly) {
  const JsonLimits limits{.max_depth = 4, .max_items = 100};
  EXPECT_EQ(JsonLimitExceeded(Nested(4), limits), std::nullopt);
  EXPECT_EQ(JsonLimitExceeded(Nested(5), limits), "nested deeper than 4 levels (at byte 4)");
  // Brackets, braces, commas and escaped quotes inside strings are text.
  EXPECT_EQ(JsonLimitExceeded(R"({"a":"[[[[[[,,,,\"[[[[["})", limits), std::nullopt);
  EXPECT_EQ(JsonLimitExceeded(R"([{"a":[{"b":[1]}]}])", limits),
            "nested deeper than 4 levels (at byte 12)");
}

TEST(JsonLimitsTest, ItemsAreCountedPerContainer) {
  const JsonLimits limits{.max_depth = 8, .max_items = 3};
  EXPECT_EQ(JsonLimitExceeded("[1,2,3]", limits), std::nullopt);
  EXPECT_EQ(JsonLimitExceeded("[1,2,3,4]", limits), "an array of more than 3 items (at byte 6)");
  EXPECT_EQ(JsonLimitExceeded(R"({"a":1,"b":2,"c":3,"d":4})", limits),
            "an object of more than 3 items (at byte 18)");
  // Three arrays of three: each within the limit, whatever the total.
  EXPECT_EQ(JsonLimitExceeded("[[1,2,3],[1,2,3],[1,2,3]]", limits), std::nullopt);
  EXPECT_EQ(JsonLimitExceeded(R"(["a,b,c,d,e"])", limits), std::nullopt);
}

TEST(JsonLimitsTest, TheDefaultsTakeTenThousandClaimsAndRefuseAMillionEmptyObjects) {
  const std::string claims = ArrayOf(10000, R"({"a":1})");
  EXPECT_EQ(JsonLimitExceeded(claims), std::nullopt);
  const std::string empties = ArrayOf(349000, "{}");
  EXPECT_EQ(JsonLimitExceeded(empties), "an array of more than 10000 items (at byte 30000)");
  EXPECT_NE(JsonLimitExceeded(Nested(100000)), std::nullopt);
}

TEST(JsonLimitsTest, ParseBoundedJsonParsesRefusesAndSaysWhy) {
  std::string error;
  bool too_large = true;
  nlohmann::json j = ParseBoundedJson(R"({"a":[1,2]})", &error, &too_large);
  ASSERT_FALSE(j.is_discarded()) << error;
  EXPECT_FALSE(too_large);
  EXPECT_EQ(j["a"][1], 2);

  j = ParseBoundedJson(Nested(100000), &error, &too_large);
  EXPECT_TRUE(j.is_discarded());
  EXPECT_TRUE(too_large);
  EXPECT_EQ(error, "nested deeper than 32 levels (at byte 32)");

  j = ParseBoundedJson("{\"a\":", &error, &too_large);
  EXPECT_TRUE(j.is_discarded());
  EXPECT_FALSE(too_large);
  EXPECT_EQ(error, "not valid JSON (byte 6)");

  // A number no double holds: valid JSON, refused with a reason of bounded length.
  j = ParseBoundedJson("[1e400]", &error, &too_large);
  EXPECT_TRUE(j.is_discarded());
  EXPECT_NE(error.find("cannot be read"), std::string::npos) << error;
  j = ParseBoundedJson("[1" + std::string(100000, '0') + "e400]", &error, &too_large);
  EXPECT_TRUE(j.is_discarded());
  EXPECT_LE(error.size(), 300u);
}

}  // namespace
}  // namespace claims
