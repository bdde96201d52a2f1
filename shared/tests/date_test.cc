#include "shared/date.h"

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
