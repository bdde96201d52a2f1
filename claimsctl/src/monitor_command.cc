#include "monitor_command.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "shared/event_stats.h"

namespace claimsctl {
namespace {

constexpr std::chrono::seconds kTimeout{30};

std::string Rate(const nlohmann::json& v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v.get<double>());
  return buf;
}

std::string Frame(const nlohmann::json& s) {
  std::ostringstream out;
  char line[256];
  out << "claims platform events at " << s["at"].get<std::string>() << "\n\n";
  std::snprintf(line, sizeof line, "%-36s %10s %9s  %s\n", "TOPIC", "MESSAGES", "RATE/s",
                "EVENT TYPES");
  out << line;
  for (const auto& [name, t] : s["topics"].items()) {
    if (t["dead_letter"].get<bool>()) continue;
    std::string types;
    for (const auto& [type, c] : t["event_types"].items()) {
      if (!types.empty()) types += ", ";
      types += type + " " + std::to_string(c["count"].get<int64_t>());
      if (c["rate_per_s"].get<double>() > 0) types += " (" + Rate(c["rate_per_s"]) + "/s)";
    }
    std::snprintf(line, sizeof line, "%-36s %10lld %9s", name.c_str(),
                  static_cast<long long>(t["messages"].get<int64_t>()),
                  Rate(t["rate_per_s"]).c_str());
    out << line << (types.empty() ? "" : "  " + types) << "\n";
  }
  out << "\nDEAD LETTERS\n";
  for (const auto& [name, n] : s["dead_letters"].items()) {
    std::snprintf(line, sizeof line, "  %-34s %10lld%s\n", name.c_str(),
                  static_cast<long long>(n.get<int64_t>()),
                  n.get<int64_t>() > 0 ? "   (claimsctl dlq list)" : "");
    out << line;
  }
  out << "\nCONSUMER GROUP LAG\n";
  for (const auto& [name, g] : s["groups"].items()) {
    if (g.contains("error")) {
      out << "  " << name << ": " << g["error"].get<std::string>() << "\n";
      continue;
    }
    std::snprintf(line, sizeof line, "  %-34s %10lld\n", name.c_str(),
                  static_cast<long long>(g["lag"].get<int64_t>()));
    out << line;
  }
  out << "\nCLAIMS BY STATE (claim-events)\n ";
  if (s["claims_by_state"].empty()) out << " none yet";
  for (const auto& [state, n] : s["claims_by_state"].items()) {
    out << " " << state << " " << n.get<int64_t>();
  }
  out << "\n";
  return out.str();
}

int Monitor(const Options& options, bool once, int frames) {
  auto reader = claims::EventStatsReader::Start(KafkaSettingsOf(options));
  if (!reader.ok()) {
    std::cerr << "claimsctl: " << reader.status().message() << "\n";
    return kRefused;
  }
  if (!(*reader)->WaitCaughtUp(kTimeout)) {
    std::cerr << "claimsctl: could not read the topics to their end within " << kTimeout.count()
              << " s (brokers " << options.brokers
              << "; set --brokers or KAFKA_BOOTSTRAP_SERVERS)\n";
    return kUnreachable;
  }
  if (once) {
    std::cout << (*reader)->Snapshot(kTimeout).dump(2) << "\n";
    return 0;
  }
  const bool terminal = isatty(STDOUT_FILENO) == 1;
  auto tick = std::chrono::steady_clock::now();
  for (int n = 0; frames == 0 || n < frames; ++n) {
    const nlohmann::json s = (*reader)->Snapshot(kTimeout);
    if (options.json) {
      std::cout << s.dump() << "\n" << std::flush;
    } else if (terminal) {
      std::cout << "\033[H\033[J" << Frame(s) << "\n(Ctrl-C to stop)" << std::flush;
    } else {
      std::cout << Frame(s) << "\n" << std::flush;
    }
    tick += std::chrono::seconds(1);
    std::this_thread::sleep_until(tick);
  }
  return 0;
}

}  // namespace

void AddMonitorCommand(CLI::App& app, const Options& options, std::function<int()>* run) {
  auto once = std::make_shared<bool>(false);
  auto frames = std::make_shared<int>(0);
  CLI::App* monitor = app.add_subcommand(
      "monitor", "Live counts and rates per topic and event type, lag, dead letters, claim states");
  monitor->add_flag("--once", *once, "Print one JSON snapshot, keyed by topic name, and exit");
  monitor->add_option("--frames", *frames, "Stop after this many frames (0: until Ctrl-C)")
      ->check(CLI::NonNegativeNumber);
  monitor->callback([&options, once, frames, run] {
    *run = [&options, once, frames] { return Monitor(options, *once, *frames); };
  });
}

}  // namespace claimsctl
