#include "shared/date.h"
#include "shared/clock.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

TEST(DateTest, ParsesIsoCalendarDates) {
  StatusOr<Date> d = Date::ParseIso(" 2024-02-29 ");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->ToIso(), "2024-02-29");
  EXPECT_LT(*Date::ParseIso("2024-06-24"), *Date::ParseIso("2025-01-01"));
}

TEST(DateTest, RefusesMalformedAndImpossibleDates) {
  EXPECT_EQ(Date::ParseIso("2023-02-29").status().message(), "is not a day of the calendar");
  EXPECT_EQ(Date::ParseIso("2024-13-01").status().message(), "is not a day of the calendar");
  for (const char* bad : {"2024-6-24", "24-06-2024", "2024/06/24", "", "2024-06-24T00:00:00Z"}) {
    EXPECT_EQ(Date::ParseIso(bad).status().message(),
              "is not an ISO 8601 date (expected YYYY-MM-DD)")
        << bad;
  }
}

}  // namespace
}  // namespace claims

namespace claims {
namespace {

TEST(DateTest, ParsesSpreadsheetDates) {
  EXPECT_EQ(Date::ParseIsoOrUs("3/28/18 0:00")->ToIso(), "2018-03-28");
  EXPECT_EQ(Date::ParseIsoOrUs("12/31/2024")->ToIso(), "2024-12-31");
  EXPECT_EQ(Date::ParseIsoOrUs(" 2024-06-24 ")->ToIso(), "2024-06-24");
  EXPECT_EQ(Date::ParseIsoOrUs("2/29/23").status().message(), "is not a day of the calendar");
  for (const char* bad : {"28/3", "3/28/189", "3-28-18", "3/28/18 noon", "", "13//18"}) {
    EXPECT_EQ(Date::ParseIsoOrUs(bad).status().message(),
              "is not a date (expected YYYY-MM-DD or M/D/YY)")
        << bad;
  }
}

}  // namespace
}  // namespace claims

namespace claims {
namespace {

TEST(Rfc3339Test, ReadsBackWhatItWrites) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(1764547200123));
  EXPECT_EQ(FormatRfc3339(t), "2025-12-01T00:00:00.123Z");
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  EXPECT_EQ(ParseRfc3339("2026-02-30T00:00:00.000Z"), std::nullopt) << "no such day";
  EXPECT_EQ(ParseRfc3339("2026-02-01 00:00:00.000Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-02-01T00:00:00.000+01:00"), std::nullopt) << "UTC only";
  EXPECT_EQ(ParseRfc3339("2026-02-01T24:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-02-01T00:00:0xZ"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2026-02-01T00:00:00.Z"), std::nullopt) << "a point needs digits";
  EXPECT_EQ(ParseRfc3339("2026-02-01T00:00:00.1a3Z"), std::nullopt);
  EXPECT_EQ(ParseRfc3339("+026-02-01T00:00:00Z"), std::nullopt);
}

TEST(Rfc3339Test, ReadsAnyPrecisionOfTheSeconds) {
  const auto t = [](int64_t ms) {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
  };
  EXPECT_EQ(ParseRfc3339("2025-12-01T00:00:00Z"), t(1764547200000));
  EXPECT_EQ(ParseRfc3339("2025-12-01T00:00:00.5Z"), t(1764547200500));
  EXPECT_EQ(ParseRfc3339("2025-12-01T00:00:00.12Z"), t(1764547200120));
  EXPECT_EQ(ParseRfc3339("2025-12-01T00:00:00.123999Z"), t(1764547200123)) << "truncated";
}

}  // namespace
}  // namespace claims
