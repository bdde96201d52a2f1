// Calendar dates (no time of day, no zone), as policies' terms and claims' service dates use.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace claims {

class Date {
 public:
  Date() = default;
  explicit Date(std::chrono::year_month_day ymd) : ymd_(ymd) {}

  // Parses an ISO 8601 calendar date "YYYY-MM-DD" (surrounding blanks allowed) that exists in the
  // calendar. Errors: kInvalidArgument with a reason fit for a client.
  static StatusOr<Date> ParseIso(std::string_view text);
  // Also accepts what spreadsheet exports write: "M/D/YY" or "M/D/YYYY", optionally followed by a
  // time of day ("3/28/18 0:00"), which is ignored. A two-digit year is 20YY.
  static StatusOr<Date> ParseIsoOrUs(std::string_view text);

  std::string ToIso() const;
  std::chrono::year_month_day ymd() const { return ymd_; }

  friend bool operator==(const Date& a, const Date& b) { return a.ymd_ == b.ymd_; }
  friend auto operator<=>(const Date& a, const Date& b) { return a.ymd_ <=> b.ymd_; }

 private:
  std::chrono::year_month_day ymd_{std::chrono::year{1970}, std::chrono::January,
                                   std::chrono::day{1}};
};

}  // namespace claims
