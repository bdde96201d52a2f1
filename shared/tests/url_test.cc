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

}  // namespace
}  // namespace claims
