// claimsctl dlq list|show|redrive TOPIC: the dead letters of a topic (what its consumer could not
// use, with the error and where it came from) and their re-drive to the topic they came from,
// straight over Kafka (shared/docs/events.md "Dead letters").
#pragma once

#include <CLI/CLI.hpp>

#include "api.h"

namespace claimsctl {

// Adds the "dlq" command and its subcommands to `app`; the chosen one sets *run.
void AddDlqCommand(CLI::App& app, const Options& options, std::function<int()>* run);

}  // namespace claimsctl
