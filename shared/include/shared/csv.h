// CSV as provider systems export it (RFC 4180): comma-separated, fields optionally in double
// quotes with "" for a quote inside, CRLF or LF line ends, the first row naming the columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace claims {

// Parses `text` into an array of JSON objects, one per data row, keyed by the header's column
// names as written (normalising them is the caller's business); every value is a string.
// Blank lines are skipped. On malformed input returns nullopt and sets *error to a reason naming
// the line ("line 4: unterminated quoted field", "line 3: 5 fields, the header has 4").
std::optional<nlohmann::json> ParseCsvRecords(std::string_view text, std::string* error);

}  // namespace claims
