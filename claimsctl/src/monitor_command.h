// claimsctl monitor [--once]: live statistics of every topic (per topic and event type counts
// and rates, dead letters, consumer group lag, claims per saga state), read from Kafka without
// joining any group (shared/event_stats.h). Redrawn in place each second on a terminal, plain
// frames otherwise; --once prints one JSON snapshot, keyed by topic name, once caught up.
#pragma once

#include <CLI/CLI.hpp>

#include "api.h"

namespace claimsctl {

// Adds the "monitor" command to `app`; choosing it sets *run.
void AddMonitorCommand(CLI::App& app, const Options& options, std::function<int()>* run);

}  // namespace claimsctl
