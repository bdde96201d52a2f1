#include "shared/nanoid.h"

#include <gtest/gtest.h>

#include <set>

namespace claims {
namespace {

TEST(NanoidTest, IdsAreUrlSafeOf21CharactersAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = NewNanoid();
    ASSERT_EQ(id.size(), 21u);
    ASSERT_TRUE(IsNanoid(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id;
  }
}

TEST(NanoidTest, EveryAlphabetSymbolAppears) {
  std::set<char> symbols;
  for (int i = 0; i < 2000; ++i) {
    for (char c : NewNanoid()) symbols.insert(c);
  }
  EXPECT_EQ(symbols.size(), 64u);
}

TEST(NanoidTest, RejectsWrongLengthOrAlphabet) {
  EXPECT_FALSE(IsNanoid("short"));
  EXPECT_FALSE(IsNanoid("V1StGXR8_Z5jdHi6B-my!"));
  EXPECT_TRUE(IsNanoid("V1StGXR8_Z5jdHi6B-myT"));
}

}  // namespace
}  // namespace claims
