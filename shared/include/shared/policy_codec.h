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

// A decoded write request: the client fields plus the ids around them. On a create, policy_id is
// the client's own id for the new policy (nullopt: the server assigns a nanoid). On a replace,
// policy_id is an echo that must match the path, and version an optimistic-concurrency
// precondition.
struct PolicyWriteRequest {
  PolicyFields fields;
  std::optional<std::string> policy_id;
  std::optional<int64_t> expected_version;
};

// Decodes and validates a create or replace body. Every problem found is appended to *errors
// with its location ("body.start_date"); returns nullopt if there was any.
// Rules: the original specification's fields are required (policyholder_name, policy_type,
// start_date, end_date, premium_amount; status defaults to Active); the product's additions
// (customer_id, coverage_amount, subscriber_number, plan_group_number) are optional; unknown
// fields refused; policy_type and status in any case; ISO dates with end_date after start_date;
// money exact and non-negative; subscriber_number and plan_group_number both or neither. On
// kCreate a policy_id must pass IsValidPolicyId and version, created_at and updated_at are
// refused; on kReplace they are echoes (see PolicyWriteRequest).
std::optional<PolicyWriteRequest> DecodePolicyWrite(const nlohmann::json& body, PolicyWrite kind,
                                                    FieldErrors* errors);

// The text of a policy_id as clients send it: a string, or a non-negative integer (clients
// written against integer ids send 17 and read the policy back at /policies/17). nullopt for
// anything else.
std::optional<std::string> PolicyIdText(const nlohmann::json& value);

// A JSON merge patch (RFC 7396) applied to the client view of `current` (EncodePolicy without
// the server-managed fields): the body a full replace would have sent. Decode the result with
// PolicyWrite::kReplace; a policy_id or version in the patch comes through as an echo.
nlohmann::json ApplyPolicyMergePatch(const Policy& current, const nlohmann::json& patch);

// The canonical JSON of a stored policy (money as decimal strings, canonical enum names).
nlohmann::json EncodePolicy(const Policy& policy);

}  // namespace claims
