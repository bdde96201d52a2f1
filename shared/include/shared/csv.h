// CSV as provider systems export it (RFC 4180): comma-separated, fields optionally in double
// quotes with "" for a quote inside, CRLF or LF line ends, the first row naming the columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace claims {

// What one CSV body may hold; past them it is refused as soon as the scan gets there.
struct CsvLimits {
  size_t max_rows = 10000;        // data rows, the header not counted
  size_t max_columns = 64;        // fields of a row
  size_t max_field_bytes = 4096;  // bytes of one field
};

// Parses `text` into an array of JSON objects, one per data row, keyed by the header's column
// names as written (normalising them is the caller's business); every value is a string.
// Blank lines are skipped. On malformed input returns nullopt and sets *error to a reason naming
// the line ("line 4: unterminated quoted field", "line 3: 5 fields, the header has 4"); past
// `limits` also sets *too_large to true (when given) and the reason names the limit.
std::optional<nlohmann::json> ParseCsvRecords(std::string_view text, std::string* error,
                                              const CsvLimits& limits = {},
                                              bool* too_large = nullptr);

}  // namespace claims
