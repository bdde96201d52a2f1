#include "shared/rate_limiter.h"

#include <cmath>

namespace claims {

bool RateLimiter::Allow(const std::string& client, std::chrono::seconds* retry_after) {
  const auto now = clock_.Now();
  const double per_second = per_minute_ / 60.0;
  std::lock_guard lock(mu_);
  auto [it, added] = buckets_.try_emplace(client, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.at).count();
  b.tokens = std::min<double>(per_minute_, b.tokens + std::max(0.0, elapsed) * per_second);
  b.at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  *retry_after = std::chrono::seconds(
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_second))));
  // Keep the map small: forget clients whose bucket would be full again.
  if (buckets_.size() > 10000) {
    for (auto i = buckets_.begin(); i != buckets_.end();) {
      const double idle = std::chrono::duration<double>(now - i->second.at).count();
      i = idle * per_second + i->second.tokens >= per_minute_ ? buckets_.erase(i) : std::next(i);
    }
  }
  return false;
}

}  // namespace claims
