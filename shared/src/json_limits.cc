#include "shared/json_limits.h"

#include <vector>

namespace claims {

std::optional<std::string> JsonLimitExceeded(std::string_view text, const JsonLimits& limits) {
  // Per open container: its kind and the commas seen in it (items - 1).
  struct Open {
    char kind;
    size_t commas;
  };
  std::vector<Open> open;
  open.reserve(static_cast<size_t>(limits.max_depth) + 1);
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, whatever it is
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (open.size() >= static_cast<size_t>(limits.max_depth)) {
          return "nested deeper than " + std::to_string(limits.max_depth) + " levels (at byte " +
                 std::to_string(i) + ")";
        }
        open.push_back({c, 0});
        break;
      case ']':
      case '}':
        if (!open.empty()) open.pop_back();
        break;
      case ',':
        if (!open.empty() && ++open.back().commas >= limits.max_items) {
          return std::string(open.back().kind == '[' ? "an array of" : "an object of") +
                 " more than " + std::to_string(limits.max_items) + " items (at byte " +
                 std::to_string(i) + ")";
        }
        break;
      default:
        break;
    }
  }
  return std::nullopt;
}

nlohmann::json ParseBoundedJson(std::string_view text, std::string* error, bool* too_large,
                                const JsonLimits& limits) {
  *too_large = false;
  if (std::optional<std::string> past = JsonLimitExceeded(text, limits)) {
    *error = std::move(*past);
    *too_large = true;
    return nlohmann::json(nlohmann::json::value_t::discarded);
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    *error = "not valid JSON (byte " + std::to_string(e.byte) + ")";
  } catch (const nlohmann::json::exception& e) {
    // A number too large for a double ("1e400") is valid JSON the parser cannot hold.
    // Its message quotes the number, which may be most of the text: keep the start.
    *error = std::string("cannot be read: ") + std::string(e.what()).substr(0, 200);
  }
  return nlohmann::json(nlohmann::json::value_t::discarded);
}

}  // namespace claims
