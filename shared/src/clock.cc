#include "shared/clock.h"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace claims {

namespace {

// The `n` digits at text[at...] as a number, or -1 when any is not a digit.
int Digits(std::string_view text, size_t at, size_t n) {
  int value = 0;
  if (at + n > text.size()) return -1;
  const char* first = text.data() + at;
  const auto [end, error] = std::from_chars(first, first + n, value);
  return error == std::errc() && end == first + n && first[0] != '-' && first[0] != '+' ? value
                                                                                        : -1;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS", then "." and 1 or more digits or nothing, then "Z".
  if (text.size() < 20 || text.back() != 'Z' || text[4] != '-' || text[7] != '-' ||
      text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const int y = Digits(text, 0, 4), mo = Digits(text, 5, 2), d = Digits(text, 8, 2);
  const int h = Digits(text, 11, 2), mi = Digits(text, 14, 2), sec = Digits(text, 17, 2);
  const std::string_view fraction = text.substr(19, text.size() - 20);  // "" or ".123..."
  int ms = 0;
  if (!fraction.empty()) {
    if (fraction.size() < 2 || fraction[0] != '.') return std::nullopt;
    for (size_t i = 1; i < fraction.size(); ++i) {
      if (fraction[i] < '0' || fraction[i] > '9') return std::nullopt;
      if (i <= 3) ms = ms * 10 + (fraction[i] - '0');
    }
    for (size_t i = fraction.size(); i <= 3; ++i) ms *= 10;  // ".5" is 500 ms
  }
  if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) {
    return std::nullopt;
  }
  const std::chrono::year_month_day day{std::chrono::year(y),
                                        std::chrono::month(static_cast<unsigned>(mo)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!day.ok()) return std::nullopt;
  return std::chrono::sys_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(sec) + std::chrono::milliseconds(ms);
}

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  long millis = static_cast<long>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace claims
