// Decoding claim submissions from what provider systems send: one object or an array, as JSON
// or CSV, with messy keys (" Service Date ", "Plan/Group #", "Subscriber#", "member CoInsurance"),
// money as numbers or strings ("$100.00 "), dates as "2024-06-24" or "3/28/18 0:00".
//
// Rules:
//   - keys are normalised (NormalizeClaimKey) and matched against the fields and their aliases;
//     an unknown key, or a field given twice under two spellings, is refused;
//   - submitted_procedure starts with 'D' (upper-cased), provider_npi is exactly 10 digits;
//   - fees are exact money and not negative, and the net fee is not negative;
//   - a claim names its policy by policy_id, or by subscriber_number with plan_group_number;
//   - empty values (CSV cells) count as absent.
// Decoding is all-or-nothing: any bad row fails the whole submission, with every bad field of
// every row counted and the first ones listed ("body[3].provider_npi"; "body.<field>" for a
// single object; FieldErrors keeps the first 100). A submission holds at most
// kMaxClaimsPerSubmission claims.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/claim.h"
#include "shared/field_error.h"

namespace claims {

inline constexpr size_t kMaxClaimsPerSubmission = 10000;

struct DecodedClaims {
  std::vector<ClaimSubmission> claims;
  bool was_array = false;  // the client sent an array (or CSV), and expects one back
};

// Trim, lower-case, runs of non-alphanumerics to one underscore (none at either end), then the
// alias table: "Plan/Group #" -> "plan_group_number", "Subscriber#" -> "subscriber_number".
// Keys that are no alias come back normalised but otherwise unchanged.
std::string NormalizeClaimKey(std::string_view raw);

// A JSON body: one object or a non-empty array of at most kMaxClaimsPerSubmission objects.
std::optional<DecodedClaims> DecodeClaimsJson(const nlohmann::json& body, FieldErrors* errors);
// A text/csv body: a header row and one row per claim (row i is body[i], header excluded), at
// most kMaxClaimsPerSubmission rows of at most 64 fields of 4 KiB. Past those limits returns
// nullopt with *too_large set to the reason ("line 10002: more than 10000 rows") and no errors.
std::optional<DecodedClaims> DecodeClaimsCsv(std::string_view text, FieldErrors* errors,
                                             std::string* too_large);

}  // namespace claims
