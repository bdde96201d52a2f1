// FieldError: one reason a piece of client input was refused, with where it was.
#pragma once

#include <string>
#include <vector>

namespace claims {

struct FieldError {
  // Where the bad value is: "body.premium_amount", "body[3].provider_npi", "query.limit",
  // "path.policy_id".
  std::string location;
  // Why, in words fit for the client: "is required", "must be one of Life, Health, Car, Home".
  std::string reason;

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace claims
