// Structured logging: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-22T12:00:00.000Z","level":"info","service":"claim-service","msg":"listening",...}
// Thread-safe: a whole line is written under one lock, so lines never interleave.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace claims {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Process-wide settings, set once by main before threads start.
void SetLogService(std::string service, std::string instance);
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warn", "error"; false if unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);

// Writes one line with `fields` merged in (fields must be a JSON object or null).
void Log(LogLevel level, std::string_view message, const nlohmann::json& fields = nullptr);

}  // namespace claims
