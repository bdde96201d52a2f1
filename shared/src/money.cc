#include "shared/money.h"

#include <cstdlib>

namespace claims {
namespace {

std::string_view Trim(std::string_view s) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

StatusOr<Money> Money::Parse(std::string_view text) {
  std::string_view s = Trim(text);
  if (s.empty()) return InvalidArgument("is empty; expected a decimal amount such as 120.50");
  bool negative = false;
  if (s.front() == '-' || s.front() == '+') {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (!s.empty() && s.front() == '$') s.remove_prefix(1);
  s = Trim(s);
  if (s.empty()) return InvalidArgument("has no digits; expected a decimal amount such as 120.50");

  int64_t units = 0;
  size_t i = 0;
  size_t integer_digits = 0;
  size_t digits_since_separator = 0;
  bool saw_separator = false;
  for (; i < s.size() && s[i] != '.'; ++i) {
    const char c = s[i];
    if (c == ',') {
      // A thousands separator must follow 1-3 digits (first group) or exactly 3 digits.
      if (integer_digits == 0 || (saw_separator && digits_since_separator != 3) ||
          digits_since_separator > 3) {
        return InvalidArgument("has a misplaced thousands separator");
      }
      saw_separator = true;
      digits_since_separator = 0;
      continue;
    }
    if (!IsDigit(c))
      return InvalidArgument("is not a decimal amount (unexpected '" + std::string(1, c) + "')");
    ++integer_digits;
    ++digits_since_separator;
    if (units > kMaxCents / 100) return InvalidArgument("is too large");
    units = units * 10 + (c - '0');
  }
  if (saw_separator && digits_since_separator != 3) {
    return InvalidArgument("has a misplaced thousands separator");
  }
  int64_t fraction = 0;
  size_t fraction_digits = 0;
  if (i < s.size()) {  // s[i] == '.'
    ++i;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (!IsDigit(c))
        return InvalidArgument("is not a decimal amount (unexpected '" + std::string(1, c) + "')");
      if (fraction_digits >= 2) {
        if (c != '0') return InvalidArgument("has more than 2 decimal places");
        continue;
      }
      fraction = fraction * 10 + (c - '0');
      ++fraction_digits;
    }
  }
  if (integer_digits == 0 && fraction_digits == 0) {
    return InvalidArgument("has no digits; expected a decimal amount such as 120.50");
  }
  if (fraction_digits == 1) fraction *= 10;
  const int64_t cents = units * 100 + fraction;
  if (cents > kMaxCents) return InvalidArgument("is too large");
  return Money(negative ? -cents : cents);
}

std::string Money::ToString() const {
  const bool negative = cents_ < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(cents_ + 1)) + 1 : static_cast<uint64_t>(cents_);
  std::string out = std::to_string(magnitude / 100);
  const uint64_t fraction = magnitude % 100;
  out += '.';
  out += static_cast<char>('0' + fraction / 10);
  out += static_cast<char>('0' + fraction % 10);
  return negative ? "-" + out : out;
}

MoneyTotal MoneyTotal::FromParts(int64_t high, int64_t low) {
  MoneyTotal total;
  total.cents_ = static_cast<Wide>(high) * (Wide{1} << 32) + low;
  return total;
}

std::string MoneyTotal::ToString() const {
  const bool negative = cents_ < 0;
  Wide magnitude = negative ? -cents_ : cents_;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  if (digits.size() < 3) digits.insert(0, 3 - digits.size(), '0');
  digits.insert(digits.size() - 2, 1, '.');
  return negative ? "-" + digits : digits;
}

}  // namespace claims
