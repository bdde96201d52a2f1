#include "shared/csv.h"

namespace claims {
namespace {

// Splits `text` into rows of fields. Returns false (with *error) on an unterminated quote or a
// quote in the middle of an unquoted field, and (with *too_large set) as soon as a row, a field
// or the rows are past `limits`.
bool SplitRows(std::string_view text, const CsvLimits& limits,
               std::vector<std::vector<std::string>>* rows, std::vector<size_t>* row_lines,
               std::string* error, bool* too_large) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (and the quote closed)
  bool row_has_content = false;
  size_t line = 1;
  size_t row_line = 1;
  const auto past = [&](std::string what) {
    *error = "line " + std::to_string(line) + ": " + std::move(what);
    *too_large = true;
    return false;
  };
  const auto end_field = [&] {
    if (row.size() >= limits.max_columns) {
      return past("more than " + std::to_string(limits.max_columns) + " fields in a row");
    }
    row.push_back(std::move(field));
    field.clear();
    was_quoted = false;
    return true;
  };
  const auto end_row = [&] {
    if (!end_field()) return false;
    if (row_has_content) {
      if (rows->size() > limits.max_rows) {  // the header and max_rows rows are in already
        return past("more than " + std::to_string(limits.max_rows) + " rows");
      }
      rows->push_back(std::move(row));
      row_lines->push_back(row_line);
    }
    row.clear();
    row_has_content = false;
    return true;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (field.size() > limits.max_field_bytes) {
      return past("a field longer than " + std::to_string(limits.max_field_bytes) + " bytes");
    }
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
          was_quoted = true;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || was_quoted) {
        // Tolerated only at the start of a field, as RFC 4180 says.
        *error = "line " + std::to_string(line) + ": a quote inside an unquoted field";
        return false;
      }
      quoted = true;
      row_has_content = true;
    } else if (c == ',') {
      row_has_content = true;
      if (!end_field()) return false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (!end_row()) return false;
      ++line;
      row_line = line;
    } else {
      if (was_quoted) {
        *error = "line " + std::to_string(line) + ": text after a closing quote";
        return false;
      }
      if (c != ' ' && c != '\t') row_has_content = true;
      field += c;
    }
  }
  if (quoted) {
    *error = "line " + std::to_string(row_line) + ": unterminated quoted field";
    return false;
  }
  if (field.size() > limits.max_field_bytes) {
    return past("a field longer than " + std::to_string(limits.max_field_bytes) + " bytes");
  }
  return end_row();
}

}  // namespace

std::optional<nlohmann::json> ParseCsvRecords(std::string_view text, std::string* error,
                                              const CsvLimits& limits, bool* too_large) {
  bool past_limits = false;
  if (too_large != nullptr) *too_large = false;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
  try {
    // Values end up in JSON, which must be UTF-8: refuse other encodings here, with a reason.
    (void)nlohmann::json(std::string(text)).dump();
  } catch (const nlohmann::json::type_error&) {
    *error = "the CSV is not valid UTF-8";
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> lines;
  if (!SplitRows(text, limits, &rows, &lines, error, &past_limits)) {
    if (too_large != nullptr) *too_large = past_limits;
    return std::nullopt;
  }
  if (rows.empty()) {
    *error = "line 1: no header row";
    return std::nullopt;
  }
  const std::vector<std::string>& header = rows.front();
  nlohmann::json records = nlohmann::json::array();
  for (size_t r = 1; r < rows.size(); ++r) {
    if (rows[r].size() != header.size()) {
      *error = "line " + std::to_string(lines[r]) + ": " + std::to_string(rows[r].size()) +
               " fields, the header has " + std::to_string(header.size());
      return std::nullopt;
    }
    nlohmann::json record = nlohmann::json::object();
    for (size_t c = 0; c < header.size(); ++c) record[header[c]] = rows[r][c];
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace claims
