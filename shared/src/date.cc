#include "shared/date.h"

#include <cstdio>

namespace claims {

StatusOr<Date> Date::ParseIso(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  const auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' && digit(0) &&
                      digit(1) && digit(2) && digit(3) && digit(5) && digit(6) && digit(8) &&
                      digit(9);
  if (!shaped) return InvalidArgument("is not an ISO 8601 date (expected YYYY-MM-DD)");
  const auto number = [&](size_t pos, size_t len) {
    int n = 0;
    for (size_t i = pos; i < pos + len; ++i) n = n * 10 + (text[i] - '0');
    return n;
  };
  const std::chrono::year_month_day ymd{std::chrono::year{number(0, 4)},
                                        std::chrono::month{static_cast<unsigned>(number(5, 2))},
                                        std::chrono::day{static_cast<unsigned>(number(8, 2))}};
  if (!ymd.ok()) return InvalidArgument("is not a day of the calendar");
  return Date(ymd);
}

StatusOr<Date> Date::ParseIsoOrUs(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.find('/') == std::string_view::npos) {
    StatusOr<Date> iso = ParseIso(text);
    if (iso.ok()) return iso;
    return InvalidArgument("is not a date (expected YYYY-MM-DD or M/D/YY)");
  }
  // M/D/Y, then an optional " H:MM[:SS]".
  const std::string_view date = text.substr(0, text.find(' '));
  int parts[3] = {0, 0, 0};
  int digits[3] = {0, 0, 0};
  int part = 0;
  for (char c : date) {
    if (c == '/') {
      if (++part > 2) break;
    } else if (c >= '0' && c <= '9' && digits[part] < 4) {
      parts[part] = parts[part] * 10 + (c - '0');
      ++digits[part];
    } else {
      part = 3;
      break;
    }
  }
  const bool shaped = part == 2 && digits[0] >= 1 && digits[0] <= 2 && digits[1] >= 1 &&
                      digits[1] <= 2 && (digits[2] == 2 || digits[2] == 4);
  if (!shaped) return InvalidArgument("is not a date (expected YYYY-MM-DD or M/D/YY)");
  const std::string_view rest = date.size() < text.size() ? text.substr(date.size() + 1) : "";
  for (char c : rest) {
    if (!((c >= '0' && c <= '9') || c == ':' || c == ' ')) {
      return InvalidArgument("is not a date (expected YYYY-MM-DD or M/D/YY)");
    }
  }
  const int year = digits[2] == 2 ? 2000 + parts[2] : parts[2];
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(parts[0])},
                                        std::chrono::day{static_cast<unsigned>(parts[1])}};
  if (!ymd.ok()) return InvalidArgument("is not a day of the calendar");
  return Date(ymd);
}

std::string Date::ToIso() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd_.year()),
                static_cast<unsigned>(ymd_.month()), static_cast<unsigned>(ymd_.day()));
  return buf;
}

}  // namespace claims
