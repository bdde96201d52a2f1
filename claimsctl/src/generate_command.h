// claimsctl generate: realistic random policies and claims at a fixed rate, against any
// claim-service address (POST /policies, POST /claims) or onto a provider's Kafka topic
// (<provider>-claim.submitted), with progress once a second and a summary.
#pragma once

#include <CLI/CLI.hpp>

#include "api.h"

namespace claimsctl {

// Adds the "generate" command to `app`; choosing it sets *run.
void AddGenerateCommand(CLI::App& app, const Options& options, std::function<int()>* run);

}  // namespace claimsctl
