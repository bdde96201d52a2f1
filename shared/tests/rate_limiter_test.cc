#include "shared/rate_limiter.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

TEST(RateLimiterTest, AllowsTheBudgetPerClientThenSaysWhenToRetry) {
  ManualClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(1000)));
  RateLimiter limiter(10, clock);
  std::chrono::seconds retry{0};
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Allow("a", &retry)) << i;
  EXPECT_FALSE(limiter.Allow("a", &retry));
  EXPECT_EQ(retry, std::chrono::seconds(6));  // one token every 6 s
  EXPECT_TRUE(limiter.Allow("b", &retry)) << "clients have their own budgets";
  clock.Advance(std::chrono::seconds(6));
  EXPECT_TRUE(limiter.Allow("a", &retry));
  EXPECT_FALSE(limiter.Allow("a", &retry));
  clock.Advance(std::chrono::minutes(5));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Allow("a", &retry)) << "refilled, never above";
  EXPECT_FALSE(limiter.Allow("a", &retry));
}

}  // namespace
}  // namespace claims
