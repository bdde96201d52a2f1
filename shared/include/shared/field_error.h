// FieldError: one reason a piece of client input was refused, with where it was.
#pragma once

#include <ostream>
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

// "body.end_date: must be after start_date", for logs and test failures.
inline std::ostream& operator<<(std::ostream& os, const FieldError& e) {
  return os << e.location << ": " << e.reason;
}

}  // namespace claims
