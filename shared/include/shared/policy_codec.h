// JSON codec and validation of policies, as the HTTP API and the policy events carry them.
// Wire format and rules: claim-service/docs/http_api.md.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/field_error.h"
#include "shared/policy.h"

namespace claims {

enum class PolicyWrite { kCreate, kReplace };

// A decoded write request: the client fields plus the server-managed fields a client may echo
// back on a replace (policy_id must then match the path; version is an optimistic-concurrency
// precondition).
struct PolicyWriteRequest {
  PolicyFields fields;
  std::optional<std::string> policy_id;
  std::optional<int64_t> expected_version;
};

// Decodes and validates a create or replace body. Every problem found is appended to *errors
// with its location ("body.start_date"); returns nullopt if there was any.
// Rules: required fields present; unknown fields refused; policy_type and status in any case;
// ISO dates with end_date after start_date; money exact and non-negative; subscriber_number and
// plan_group_number both or neither. On kCreate the server-managed fields are refused.
std::optional<PolicyWriteRequest> DecodePolicyWrite(const nlohmann::json& body, PolicyWrite kind,
                                                    FieldErrors* errors);

// The canonical JSON of a stored policy (money as decimal strings, canonical enum names).
nlohmann::json EncodePolicy(const Policy& policy);

}  // namespace claims
