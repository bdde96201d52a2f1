// Reading typed values out of client JSON, with reasons fit for a 422 answer.
// Each function returns the value, or nullopt and sets *reason.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/money.h"

namespace claims {

// A money amount given as a JSON number (12, 12.5) or a decimal string ("$12.50 ").
// A JSON number is read from its shortest round-trip decimal text, never computed in binary
// floating point, so 0.1 is exactly 10 cents and 0.125 is refused (3 decimals).
std::optional<Money> ReadMoneyValue(const nlohmann::json& value, std::string* reason);

// A string, trimmed; refused when empty after trimming or longer than max_length bytes.
std::optional<std::string> ReadTextValue(const nlohmann::json& value, size_t max_length,
                                         std::string* reason);

// An identifier-like string such as a member number: a JSON string or a non-negative integer
// (CSV exports often turn "00123" into 123, so prefer strings), trimmed, 1..max_length bytes.
std::optional<std::string> ReadCodeValue(const nlohmann::json& value, size_t max_length,
                                         std::string* reason);

// Name of the JSON type for messages: "a string", "a number", "null", ...
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace claims
