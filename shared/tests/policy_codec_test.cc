#include "shared/policy_codec.h"

#include <gtest/gtest.h>

namespace claims {
namespace {

using nlohmann::json;

json ValidBody() {
  return {{"policyholder_name", "Ada Lovelace"},
          {"policy_type", "health"},
          {"start_date", "2026-01-01"},
          {"end_date", "2027-01-01"},
          {"premium_amount", 120.5},
          {"status", "ACTIVE"},
          {"customer_id", "C-1"},
          {"coverage_amount", "$50,000.00"},
          {"subscriber_number", "S-1"},
          {"plan_group_number", 777}};
}

TEST(PolicyCodecTest, DecodesAndCanonicalises) {
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(ValidBody(), PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded) << json(errors.size());
  const PolicyFields& f = decoded->fields;
  EXPECT_EQ(f.policy_type, PolicyType::kHealth);
  EXPECT_EQ(f.status, PolicyStatus::kActive);
  EXPECT_EQ(f.premium_amount.cents(), 12050);
  EXPECT_EQ(f.coverage_amount, Money::FromCents(5000000));
  EXPECT_EQ(f.customer_id, "C-1");
  EXPECT_EQ(f.plan_group_number, "777");

  Policy p{"V1StGXR8_Z5jdHi6B-myT", f, 1, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"};
  const json encoded = EncodePolicy(p);
  EXPECT_EQ(encoded["policy_type"], "Health");
  EXPECT_EQ(encoded["status"], "Active");
  EXPECT_EQ(encoded["premium_amount"], "120.50");
  EXPECT_EQ(encoded["coverage_amount"], "50000.00");
}

TEST(PolicyCodecTest, StatusDefaultsToActive) {
  json body = ValidBody();
  body.erase("status");
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(body, PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->fields.status, PolicyStatus::kActive);
}

TEST(PolicyCodecTest, EveryBadFieldIsListedWithItsLocation) {
  const json body = {{"policyholder_name", ""},    {"policy_type", "Boat"},
                     {"start_date", "2026-02-30"}, {"end_date", "01/01/2027"},
                     {"premium_amount", -1},       {"coverage_amount", "12.345"},
                     {"subscriber_number", "S-1"}, {"colour", "blue"}};
  FieldErrors errors;
  EXPECT_FALSE(DecodePolicyWrite(body, PolicyWrite::kCreate, &errors));
  const FieldErrors expected = {
      {"body.colour", "is not a policy field"},
      {"body.policyholder_name", "must not be empty"},
      {"body.policy_type", "must be one of Life, Health, Car, Home (any case)"},
      {"body.start_date", "is not a day of the calendar"},
      {"body.end_date", "is not an ISO 8601 date (expected YYYY-MM-DD)"},
      {"body.premium_amount", "must not be negative"},
      {"body.coverage_amount", "has more than 2 decimal places"},
      {"body.plan_group_number", "is required when subscriber_number is given (claims quote both)"},
  };
  EXPECT_EQ(errors, expected);
}

TEST(PolicyCodecTest, EndDateMustFollowStartDate) {
  json body = ValidBody();
  body["end_date"] = "2026-01-01";
  FieldErrors errors;
  EXPECT_FALSE(DecodePolicyWrite(body, PolicyWrite::kCreate, &errors));
  EXPECT_EQ(errors, (FieldErrors{{"body.end_date", "must be after start_date"}}));
}

// Exactly the original specification's fields: the product's additions are absent, not required.
TEST(PolicyCodecTest, SpecificationFieldsAloneAreAPolicy) {
  const json body = {{"policyholder_name", "Ada"}, {"policy_type", "Life"},
                     {"start_date", "2026-01-01"}, {"end_date", "2027-01-01"},
                     {"premium_amount", 1250.50},  {"status", "Active"}};
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(body, PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded) << errors.size();
  EXPECT_EQ(decoded->fields.premium_amount, Money::FromCents(125050));
  EXPECT_EQ(decoded->fields.customer_id, std::nullopt);
  EXPECT_EQ(decoded->fields.coverage_amount, std::nullopt);
  EXPECT_EQ(decoded->policy_id, std::nullopt);

  Policy p{"P-1", decoded->fields, 1, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z"};
  const json encoded = EncodePolicy(p);
  EXPECT_TRUE(encoded["customer_id"].is_null());
  EXPECT_TRUE(encoded["coverage_amount"].is_null());
  EXPECT_TRUE(encoded["subscriber_number"].is_null());
}

TEST(PolicyCodecTest, ServerFieldsAreRefusedOnCreateAndEchoableOnReplace) {
  json body = ValidBody();
  body["version"] = 3;
  body["created_at"] = "2026-01-01T00:00:00.000Z";
  FieldErrors errors;
  EXPECT_FALSE(DecodePolicyWrite(body, PolicyWrite::kCreate, &errors));
  EXPECT_EQ(errors, (FieldErrors{{"body.created_at", "is assigned by the server"},
                                 {"body.version", "is assigned by the server"}}));

  body["policy_id"] = "V1StGXR8_Z5jdHi6B-myT";
  errors.clear();
  auto decoded = DecodePolicyWrite(body, PolicyWrite::kReplace, &errors);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->policy_id, "V1StGXR8_Z5jdHi6B-myT");
  EXPECT_EQ(decoded->expected_version, 3);
}

TEST(PolicyCodecTest, ClientChosenPolicyIdIsKeptWhenWellFormed) {
  json body = ValidBody();
  body["policy_id"] = "POL-2026.000_17";
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(body, PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->policy_id, "POL-2026.000_17");

  body["policy_id"] = 17;  // clients written against integer ids
  errors.clear();
  decoded = DecodePolicyWrite(body, PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->policy_id, "17");

  for (const json& bad : {json(""), json(std::string(65, 'a')), json("has space"), json("a/b"),
                          json("é"), json(-1), json(1.5), json::array()}) {
    body["policy_id"] = bad;
    errors.clear();
    EXPECT_FALSE(DecodePolicyWrite(body, PolicyWrite::kCreate, &errors)) << bad;
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].location, "body.policy_id");
  }
  body["policy_id"] = std::string(64, 'a');
  errors.clear();
  EXPECT_TRUE(DecodePolicyWrite(body, PolicyWrite::kCreate, &errors));
}

TEST(PolicyCodecTest, MergePatchChangesOnlyTheFieldsSentAndNullRemoves) {
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(ValidBody(), PolicyWrite::kCreate, &errors);
  ASSERT_TRUE(decoded);
  const Policy current{"P-1", decoded->fields, 4, "2026-01-01T00:00:00.000Z",
                       "2026-01-02T00:00:00.000Z"};

  const json merged =
      ApplyPolicyMergePatch(current, {{"status", "expired"}, {"customer_id", nullptr}});
  auto patched = DecodePolicyWrite(merged, PolicyWrite::kReplace, &errors);
  ASSERT_TRUE(patched) << merged.dump();
  PolicyFields expected = current.fields;
  expected.status = PolicyStatus::kExpired;
  expected.customer_id = std::nullopt;
  EXPECT_EQ(patched->fields, expected);
  EXPECT_EQ(patched->expected_version, std::nullopt);  // the stored version is not an echo

  const json with_version = ApplyPolicyMergePatch(current, {{"version", 4}});
  patched = DecodePolicyWrite(with_version, PolicyWrite::kReplace, &errors);
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->expected_version, 4);
  EXPECT_EQ(patched->fields, current.fields);

  // A required field removed, or set to something invalid, fails the patched policy's checks.
  errors.clear();
  EXPECT_FALSE(DecodePolicyWrite(
      ApplyPolicyMergePatch(current, {{"start_date", nullptr}, {"policy_type", {{"a", 1}}}}),
      PolicyWrite::kReplace, &errors));
  EXPECT_EQ(errors,
            (FieldErrors{{"body.policy_type", "must be one of Life, Health, Car, Home (any case)"},
                         {"body.start_date", "is required"}}));
}

TEST(PolicyCodecTest, NonObjectBodyIsRefused) {
  FieldErrors errors;
  EXPECT_FALSE(DecodePolicyWrite(json::array(), PolicyWrite::kCreate, &errors));
  EXPECT_EQ(errors, (FieldErrors{{"body", "must be a JSON object, not an array"}}));
}

}  // namespace
}  // namespace claims
