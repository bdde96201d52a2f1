// URL text as clients send it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace claims {

// Decodes %XX escapes and, in query strings, '+' as a space. A malformed escape ("%zz", a
// trailing "%") is kept as written rather than refused: the value is then simply not one the
// endpoint knows, and it answers 422 naming the parameter.
std::string DecodeQueryComponent(std::string_view text);

// Percent-encodes everything but unreserved characters (A-Z a-z 0-9 - . _ ~), so any value can
// be put back into a query string or a header.
std::string EncodeQueryComponent(std::string_view text);

// A whole decimal number with nothing around it ("42", "-3"), or nullopt.
std::optional<int64_t> ParseWholeNumber(std::string_view text);

// A page size from a query string: a whole number, 1 or more. A size above max_limit (however
// many digits it has) is max_limit, as most paged APIs answer; anything else is nullopt.
std::optional<int64_t> ParsePageLimit(std::string_view text, int64_t max_limit);

}  // namespace claims
