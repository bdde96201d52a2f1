#include "shared/claim_codec.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

using nlohmann::json;

// A row as a provider export writes it, keys and all.
json MessyRow() {
  return {{" Service Date ", "3/28/18 0:00"},
          {"Submitted Procedure", "d0180"},
          {"Quadrant", ""},
          {"Plan/Group #", "GRP-1000"},
          {"Subscriber#", 3730189502},
          {"Provider NPI", "1497775530"},
          {"Provider Fees", "$100.00 "},
          {"Allowed Fees", "$100.00 "},
          {"member CoInsurance", "$0.00 "},
          {"member Copay", 12.5}};
}

TEST(ClaimCodecTest, NormalisesKeysAndAliases) {
  EXPECT_EQ(NormalizeClaimKey(" Service Date "), "service_date");
  EXPECT_EQ(NormalizeClaimKey("Plan/Group #"), "plan_group_number");
  EXPECT_EQ(NormalizeClaimKey("Subscriber#"), "subscriber_number");
  EXPECT_EQ(NormalizeClaimKey("member CoInsurance"), "member_coinsurance");
  EXPECT_EQ(NormalizeClaimKey("member Co-Insurance"), "member_coinsurance");
  EXPECT_EQ(NormalizeClaimKey("__Provider  NPI__"), "provider_npi");
  EXPECT_EQ(NormalizeClaimKey("Shoe Size"), "shoe_size");
}

TEST(ClaimCodecTest, DecodesAMessyRowExactly) {
  FieldErrors errors;
  auto decoded = DecodeClaimsJson(MessyRow(), &errors);
  ASSERT_TRUE(decoded) << json(errors.size())
                       << (errors.empty() ? "" : errors[0].location + " " + errors[0].reason);
  EXPECT_FALSE(decoded->was_array);
  ASSERT_EQ(decoded->claims.size(), 1u);
  const ClaimSubmission& c = decoded->claims[0];
  EXPECT_EQ(c.service_date.ToIso(), "2018-03-28");
  EXPECT_EQ(c.submitted_procedure, "D0180");
  EXPECT_EQ(c.quadrant, std::nullopt);
  EXPECT_EQ(c.plan_group_number, "GRP-1000");
  EXPECT_EQ(c.subscriber_number, "3730189502");
  EXPECT_EQ(c.provider_npi, "1497775530");
  EXPECT_EQ(c.provider_fees.cents(), 10000);
  EXPECT_EQ(c.member_copay.cents(), 1250);
  // 100.00 + 0.00 + 12.50 - 100.00
  EXPECT_EQ(NetFee(c).cents(), 1250);
}

TEST(ClaimCodecTest, ArrayErrorsNameEveryBadRowAndField) {
  json rows = json::array({MessyRow(), MessyRow(), MessyRow()});
  rows[1]["Provider NPI"] = "12345";
  rows[1]["Submitted Procedure"] = "X100";
  rows[2]["Provider Fees"] = "-5";
  rows[2]["Shoe Size"] = 9;
  rows[2]["service_date"] = "2024-06-24";  // also " Service Date ": given twice
  FieldErrors errors;
  EXPECT_FALSE(DecodeClaimsJson(rows, &errors));
  const FieldErrors expected = {
      {"body[1].submitted_procedure", "must be a procedure code starting with D (e.g. D0120)"},
      {"body[1].provider_npi", "must be exactly 10 digits"},
      // Keys are visited in sorted order.
      {"body[2].Shoe Size", "is not a claim field"},
      {"body[2].service_date", "is given twice (as \" Service Date \" and \"service_date\")"},
      {"body[2].provider_fees", "must not be negative"},
  };
  EXPECT_EQ(errors, expected);
}

TEST(ClaimCodecTest, AClaimMustNameItsPolicy) {
  json row = MessyRow();
  row.erase("Subscriber#");
  FieldErrors errors;
  EXPECT_FALSE(DecodeClaimsJson(row, &errors));
  EXPECT_EQ(
      errors,
      (FieldErrors{{"body.subscriber_number",
                    "is required unless policy_id is given (a claim must name its policy)"}}));
  row["policy_id"] = "V1StGXR8_Z5jdHi6B-myT";
  errors.clear();
  auto decoded = DecodeClaimsJson(row, &errors);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->claims[0].policy_id, "V1StGXR8_Z5jdHi6B-myT");
}

TEST(ClaimCodecTest, NegativeNetFeeIsRefused) {
  json row = MessyRow();
  row["Allowed Fees"] = "200.00";
  FieldErrors errors;
  EXPECT_FALSE(DecodeClaimsJson(row, &errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].location, "body.allowed_fees");
}

TEST(ClaimCodecTest, CsvRowsAreClaims) {
  const std::string csv =
      " Service Date ,Submitted Procedure,Quadrant,Plan/Group #,Subscriber#,Provider NPI,"
      "Provider Fees,Allowed Fees,member CoInsurance,member Copay\r\n"
      "3/28/18 0:00,D0180,,GRP-1000,3730189502,1497775530,$100.00 ,$100.00 ,$0.00 ,$0.00 \r\n"
      "2024-06-24,D4346,UR,GRP-1000,3730189502,1497775530,\"$1,130.00 \",$1000.00 ,$30.00 ,$5.00 "
      "\r\n";
  FieldErrors errors;
  std::string too_large;
  auto decoded = DecodeClaimsCsv(csv, &errors, &too_large);
  ASSERT_TRUE(decoded) << (errors.empty() ? "" : errors[0].location + " " + errors[0].reason);
  EXPECT_TRUE(decoded->was_array);
  ASSERT_EQ(decoded->claims.size(), 2u);
  EXPECT_EQ(decoded->claims[1].quadrant, "UR");
  EXPECT_EQ(NetFee(decoded->claims[1]).cents(), 16500);  // 1130 + 30 + 5 - 1000
}

TEST(ClaimCodecTest, BadCsvAndEmptyBodiesAreRefused) {
  FieldErrors errors;
  std::string too_large;
  EXPECT_FALSE(DecodeClaimsCsv("a,b\n1,\"x\n", &errors, &too_large));
  EXPECT_EQ(errors, (FieldErrors{{"body", "is not valid CSV: line 2: unterminated quoted field"}}));
  EXPECT_EQ(too_large, "");
  errors.clear();
  EXPECT_FALSE(DecodeClaimsCsv("Provider NPI\n", &errors, &too_large));
  EXPECT_EQ(errors, (FieldErrors{{"body", "has a header row but no claims"}}));
  errors.clear();
  EXPECT_FALSE(DecodeClaimsJson(json::array(), &errors));
  EXPECT_EQ(errors, (FieldErrors{{"body", "must hold at least one claim"}}));
}

// A hostile body costs a bounded answer: the errors are counted, the first 100 listed, and a
// client's key quoted in a location is cut.
TEST(ClaimCodecTest, ErrorsOfAHugeBodyAreCountedAndTheFirstHundredListed) {
  json body = json::array();
  for (int i = 0; i < 5000; ++i) body.push_back(json::object());
  FieldErrors errors;
  EXPECT_FALSE(DecodeClaimsJson(body, &errors));
  EXPECT_EQ(errors.size(), FieldErrors::kMaxListed);
  EXPECT_EQ(errors.total(), 5000u * 6);  // six required fields missing per row
  EXPECT_EQ(errors[0].location, "body[0].service_date");

  errors.clear();
  const std::string long_key(100000, 'k');
  EXPECT_FALSE(DecodeClaimsJson({{long_key, 1}}, &errors));
  EXPECT_EQ(errors[0].location.size(), FieldErrors::kMaxTextBytes + 3);
  EXPECT_EQ(errors[0].location.substr(0, 7), "body.kk");

  errors.clear();
  body = json::array();
  for (size_t i = 0; i <= kMaxClaimsPerSubmission; ++i) body.push_back(json::object());
  EXPECT_FALSE(DecodeClaimsJson(body, &errors));
  EXPECT_EQ(errors,
            (FieldErrors{{"body", "holds 10001 claims; at most 10000 may be sent at once"}}));
}

TEST(ClaimCodecTest, CsvPastItsLimitsIsRefusedWithoutDecodingARow) {
  std::string csv = "x\n";
  for (int i = 0; i < 500000; ++i) csv += "1\n";
  FieldErrors errors;
  std::string too_large;
  EXPECT_FALSE(DecodeClaimsCsv(csv, &errors, &too_large));
  EXPECT_EQ(too_large, "line 10002: more than 10000 rows");
  EXPECT_TRUE(errors.empty());

  std::string wide;
  for (int i = 0; i < 65; ++i) wide += (i > 0 ? ",c" : "c") + std::to_string(i);
  EXPECT_FALSE(DecodeClaimsCsv(wide + "\n", &errors, &too_large));
  EXPECT_EQ(too_large, "line 1: more than 64 fields in a row");

  EXPECT_FALSE(DecodeClaimsCsv("npi\n\"" + std::string(5000, '1') + "\"\n", &errors, &too_large));
  EXPECT_EQ(too_large, "line 2: a field longer than 4096 bytes");
}

}  // namespace
}  // namespace claims
