// RateLimiter: a token bucket per client: `per_minute` requests a minute, in bursts of up to
// `per_minute`. Thread-safe. Time comes from the Clock, so tests advance it by hand.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "shared/clock.h"

namespace claims {

class RateLimiter {
 public:
  // `clock` must outlive the limiter. per_minute >= 1.
  RateLimiter(int per_minute, const Clock& clock) : per_minute_(per_minute), clock_(clock) {}

  // Takes one token for `client`. When none is left, returns false and sets *retry_after to
  // the whole seconds until one is (at least 1).
  bool Allow(const std::string& client, std::chrono::seconds* retry_after);

 private:
  struct Bucket {
    double tokens;
    std::chrono::system_clock::time_point at;
  };
  const int per_minute_;
  const Clock& clock_;
  std::mutex mu_;                          // guards buckets_
  std::map<std::string, Bucket> buckets_;  // one per client seen; full ones are dropped
};

}  // namespace claims
