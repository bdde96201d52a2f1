// Time as a seam: production code asks a Clock; tests hand it a ManualClock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claims {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

// A clock that moves only when told. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start)
      : now_(start.time_since_epoch().count()) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::system_clock::duration(now_.load()));
  }
  void Advance(std::chrono::system_clock::duration d) { now_ += d.count(); }

 private:
  std::atomic<std::chrono::system_clock::rep> now_;
};

// RFC 3339 UTC with milliseconds: "2026-11-22T12:51:00.123Z".
std::string FormatRfc3339(std::chrono::system_clock::time_point t);
// Reads an RFC 3339 UTC time, what FormatRfc3339 writes and any other precision of the seconds
// ("2026-11-22T12:51:00Z", "...:00.5Z", "...:00.123456Z"; kept to the millisecond, truncated).
// Only "Z": an offset is refused, as is a leap second or a day that does not exist.
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// Microseconds since the Unix epoch.
inline int64_t UnixMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

}  // namespace claims
