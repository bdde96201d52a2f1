#include "shared/json_values.h"

#include <charconv>
#include <cmath>

namespace claims {
namespace {

std::string Trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

std::string JsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

std::optional<Money> ReadMoneyValue(const nlohmann::json& value, std::string* reason) {
  std::string text;
  if (value.is_number_integer() || value.is_number_unsigned()) {
    text = value.dump();
  } else if (value.is_number_float()) {
    const double d = value.get<double>();
    if (!std::isfinite(d)) {
      *reason = "must be a finite amount";
      return std::nullopt;
    }
    // Shortest text that reads back as the same double: the digits the client wrote.
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    if (ec != std::errc()) {
      *reason = "is too large";
      return std::nullopt;
    }
    text.assign(buf, end);
  } else if (value.is_string()) {
    text = value.get<std::string>();
  } else {
    *reason = "must be a decimal amount (number or string), not " + JsonTypeName(value);
    return std::nullopt;
  }
  StatusOr<Money> money = Money::Parse(text);
  if (!money.ok()) {
    *reason = money.status().message();
    return std::nullopt;
  }
  return *money;
}

std::optional<std::string> ReadTextValue(const nlohmann::json& value, size_t max_length,
                                         std::string* reason) {
  if (!value.is_string()) {
    *reason = "must be a string, not " + JsonTypeName(value);
    return std::nullopt;
  }
  std::string text = Trimmed(value.get<std::string>());
  if (text.empty()) {
    *reason = "must not be empty";
    return std::nullopt;
  }
  if (text.size() > max_length) {
    *reason = "must be at most " + std::to_string(max_length) + " bytes";
    return std::nullopt;
  }
  return text;
}

std::optional<std::string> ReadCodeValue(const nlohmann::json& value, size_t max_length,
                                         std::string* reason) {
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)) {
    return value.dump();
  }
  if (!value.is_string()) {
    *reason = "must be a string, not " + JsonTypeName(value);
    return std::nullopt;
  }
  return ReadTextValue(value, max_length, reason);
}

}  // namespace claims
