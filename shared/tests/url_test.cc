#include "shared/url.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

TEST(UrlTest, DecodesEscapesAndPlus) {
  EXPECT_EQ(DecodeQueryComponent("Ac%74ive"), "Active");
  EXPECT_EQ(DecodeQueryComponent("Life%20"), "Life ");
  EXPECT_EQ(DecodeQueryComponent("a+b%2Bc"), "a b+c");
  EXPECT_EQ(DecodeQueryComponent("%e2%82%ac"), "\xe2\x82\xac");
}

TEST(UrlTest, KeepsMalformedEscapesAsWritten) {
  EXPECT_EQ(DecodeQueryComponent("%zz"), "%zz");
  EXPECT_EQ(DecodeQueryComponent("50%"), "50%");
  EXPECT_EQ(DecodeQueryComponent("%4"), "%4");
}

TEST(UrlTest, EncodedValuesDecodeBackAndCarryNoHeaderBreaks) {
  const std::string hostile = "a b&c=d\r\nSet-Cookie: x/\xff";
  const std::string encoded = EncodeQueryComponent(hostile);
  EXPECT_EQ(encoded, "a%20b%26c%3Dd%0D%0ASet-Cookie%3A%20x%2F%FF");
  EXPECT_EQ(DecodeQueryComponent(encoded), hostile);
  EXPECT_EQ(EncodeQueryComponent("V1StGXR8_Z5jdHi6B-myT"), "V1StGXR8_Z5jdHi6B-myT");
}

}  // namespace
}  // namespace claims
