// Money: an exact amount in integer cents. Never holds or computes with binary floating point.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shared/status.h"

namespace claims {

class Money {
 public:
  // The largest magnitude accepted: 10^13 currency units, far above any policy or claim, and far
  // below int64 overflow for sums of many amounts.
  static constexpr int64_t kMaxCents = 1'000'000'000'000'000;

  constexpr Money() = default;
  static constexpr Money FromCents(int64_t cents) { return Money(cents); }

  // Parses a decimal amount as people and provider exports write it: surrounding blanks, an
  // optional sign, an optional '$', thousands separators before the point, and at most two
  // significant decimals ("$1,200.50 ", "-3", "10.500"). Errors: kInvalidArgument with a reason
  // fit for a client ("has more than 2 decimal places", ...).
  static StatusOr<Money> Parse(std::string_view text);

  constexpr int64_t cents() const { return cents_; }
  // Canonical text: optional '-', digits, '.', two digits ("1200.50").
  std::string ToString() const;

  friend constexpr bool operator==(Money a, Money b) { return a.cents_ == b.cents_; }
  friend constexpr auto operator<=>(Money a, Money b) { return a.cents_ <=> b.cents_; }

 private:
  constexpr explicit Money(int64_t cents) : cents_(cents) {}
  int64_t cents_ = 0;
};

// An exact total of many amounts, past what int64 cents hold (a database sums amounts without
// overflow as two parts split at bit 32; see TopProviderNpis).
class MoneyTotal {
 public:
  // high * 2^32 + low cents.
  static MoneyTotal FromParts(int64_t high, int64_t low);
  // Canonical text, as Money::ToString ("92233720368547758.08").
  std::string ToString() const;

  friend bool operator==(const MoneyTotal&, const MoneyTotal&) = default;

 private:
  __extension__ typedef __int128 Wide;
  Wide cents_ = 0;
};

}  // namespace claims
