// Policy: the insurance contract that claims are paid against. Pure domain: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/date.h"
#include "shared/money.h"

namespace claims {

enum class PolicyType { kLife, kHealth, kCar, kHome };
enum class PolicyStatus { kActive, kExpired };

// Canonical names ("Life", "Active") and case-insensitive parsing of them.
std::string_view PolicyTypeName(PolicyType type);
std::string_view PolicyStatusName(PolicyStatus status);
std::optional<PolicyType> ParsePolicyType(std::string_view text);
std::optional<PolicyStatus> ParsePolicyStatus(std::string_view text);

// A policy id a client may choose: 1 to 64 characters of [A-Za-z0-9._-] (nanoids are such ids).
inline constexpr size_t kMaxPolicyIdLength = 64;
bool IsValidPolicyId(std::string_view id);

// What a client may set on a policy (create and full replacement). The first six are the
// original policy specification's; the rest are the product's additions, all optional.
struct PolicyFields {
  std::string policyholder_name;
  PolicyType policy_type = PolicyType::kLife;
  Date start_date;
  Date end_date;
  Money premium_amount;
  PolicyStatus status = PolicyStatus::kActive;
  std::optional<std::string> customer_id;
  // The most the policy pays in total. Absent: the policy pays nothing (claims against it are
  // rejected), never "unlimited".
  std::optional<Money> coverage_amount;
  // Member identifiers that claims quote; both set or both empty. Unique as a pair.
  std::optional<std::string> subscriber_number;
  std::optional<std::string> plan_group_number;

  friend bool operator==(const PolicyFields&, const PolicyFields&) = default;
};

// A stored policy: the fields plus what the service manages.
struct Policy {
  std::string policy_id;  // a nanoid, or the client's own id (IsValidPolicyId)
  PolicyFields fields;
  int64_t version = 0;     // 1 on create, +1 on every update
  std::string created_at;  // RFC 3339 UTC
  std::string updated_at;  // RFC 3339 UTC

  friend bool operator==(const Policy&, const Policy&) = default;
};

}  // namespace claims
