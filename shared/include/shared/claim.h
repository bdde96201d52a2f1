// A claim as it is submitted: one dental/health service line from a provider system.
// Pure domain: no I/O.
#pragma once

#include <optional>
#include <string>

#include "shared/date.h"
#include "shared/money.h"

namespace claims {

struct ClaimSubmission {
  Date service_date;
  std::string submitted_procedure;      // a procedure code starting with 'D', e.g. "D0120"
  std::optional<std::string> quadrant;  // "UR", "LL", ... when the procedure has one
  // The member the claim is for, as the policy records it; with policy_id optional.
  std::optional<std::string> plan_group_number;
  std::optional<std::string> subscriber_number;
  std::string provider_npi;  // exactly 10 digits
  Money provider_fees;
  Money allowed_fees;
  Money member_coinsurance;
  Money member_copay;
  std::optional<std::string> policy_id;

  friend bool operator==(const ClaimSubmission&, const ClaimSubmission&) = default;
};

// provider_fees + member_coinsurance + member_copay - allowed_fees, exactly.
inline Money NetFee(const ClaimSubmission& c) {
  return Money::FromCents(c.provider_fees.cents() + c.member_coinsurance.cents() +
                          c.member_copay.cents() - c.allowed_fees.cents());
}

}  // namespace claims
