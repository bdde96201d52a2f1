#include "shared/csv.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

TEST(CsvTest, ParsesQuotedFieldsAndLineEnds) {
  std::string error;
  auto records = ParseCsvRecords(
      "\xEF\xBB\xBFname,note,amount\r\n"
      "\"Smith, Ann\",\"said \"\"hi\"\"\",$1,200.00\n"
      "\n"
      "Bob,\"two\nlines\",5\n",
      &error);
  // "$1,200.00" unquoted has a comma: that row has 4 fields and is refused.
  EXPECT_FALSE(records);
  EXPECT_EQ(error, "line 2: 4 fields, the header has 3");

  records = ParseCsvRecords(
      "name,note,amount\r\n\"Smith, Ann\",\"said "
      "\"\"hi\"\"\",\"$1,200.00\"\n\nBob,\"two\nlines\",5",
      &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0]["name"], "Smith, Ann");
  EXPECT_EQ((*records)[0]["note"], "said \"hi\"");
  EXPECT_EQ((*records)[0]["amount"], "$1,200.00");
  EXPECT_EQ((*records)[1]["note"], "two\nlines");
  EXPECT_EQ((*records)[1]["amount"], "5");
}

TEST(CsvTest, RefusesMalformedInputNamingTheLine) {
  std::string error;
  EXPECT_FALSE(ParseCsvRecords("a,b\n1,\"open\n", &error));
  EXPECT_EQ(error, "line 2: unterminated quoted field");
  EXPECT_FALSE(ParseCsvRecords("a,b\n1,x\"y\n", &error));
  EXPECT_EQ(error, "line 2: a quote inside an unquoted field");
  EXPECT_FALSE(ParseCsvRecords("a,b\n\"1\"x,2\n", &error));
  EXPECT_EQ(error, "line 2: text after a closing quote");
  EXPECT_FALSE(ParseCsvRecords("", &error));
  EXPECT_EQ(error, "line 1: no header row");
  EXPECT_FALSE(ParseCsvRecords("a,b\n\xff\xfe,1\n", &error));
  EXPECT_EQ(error, "the CSV is not valid UTF-8");
}

TEST(CsvTest, HeaderOnlyGivesNoRecords) {
  std::string error;
  auto records = ParseCsvRecords("a,b\r\n", &error);
  ASSERT_TRUE(records);
  EXPECT_TRUE(records->empty());
}

}  // namespace
}  // namespace claims
