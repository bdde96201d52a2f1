// Bounds on the JSON the product parses from clients and providers (HTTP bodies, Kafka
// messages, dead letters). They are checked by one linear scan of the text before anything is
// built, so an input past them costs no more than reading it once: no tree of a million empty
// objects, and no tree so deep that copying or printing it recurses off the stack.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace claims {

struct JsonLimits {
  int max_depth = 32;        // arrays and objects inside each other
  size_t max_items = 10000;  // elements of one array, or members of one object
};

// Why `text` is past `limits` ("nested deeper than 32 levels (at byte 40)", "an array of more
// than 10000 items (at byte 0)"), or nullopt when it is within them. Text that is not JSON but
// within the limits passes: the parser refuses it.
std::optional<std::string> JsonLimitExceeded(std::string_view text, const JsonLimits& limits = {});

// `text` parsed, once JsonLimitExceeded has passed it. On failure returns a discarded value
// (is_discarded()) and sets *error: past the limits (*too_large set to true), or not JSON (a
// reason naming the byte).
nlohmann::json ParseBoundedJson(std::string_view text, std::string* error, bool* too_large,
                                const JsonLimits& limits = {});

}  // namespace claims
