#include "shared/json_log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "shared/clock.h"

namespace claims {
namespace {

struct LogState {
  std::mutex mu;  // guards writes to stderr and the fields below
  std::string service = "claims";
  std::string instance;
  // Read without the lock so that a line below the level costs nothing to skip.
  std::atomic<LogLevel> level{LogLevel::kInfo};
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: logging works during exit
  return *state;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogService(std::string service, std::string instance) {
  std::lock_guard lock(State().mu);
  State().service = std::move(service);
  State().instance = std::move(instance);
}

void SetLogLevel(LogLevel level) { State().level = level; }

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void Log(LogLevel level, std::string_view message, const nlohmann::json& fields) {
  LogState& state = State();
  if (level < state.level.load()) return;
  nlohmann::json line = nlohmann::json::object();
  line["ts"] = FormatRfc3339(std::chrono::system_clock::now());
  line["level"] = LevelName(level);
  line["msg"] = message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  std::lock_guard lock(state.mu);
  line["service"] = state.service;
  if (!state.instance.empty()) line["instance"] = state.instance;
  const std::string text =
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace claims
