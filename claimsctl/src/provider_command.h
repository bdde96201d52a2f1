// claimsctl provider add|list|show|rotate|revoke|remove: providers and their API keys, through
// claim-service's /admin/providers API (claim-service/docs/providers.md).
#pragma once

#include <CLI/CLI.hpp>

#include "api.h"

namespace claimsctl {

// Adds the "provider" command and its subcommands to `app`; the chosen one sets *run.
void AddProviderCommand(CLI::App& app, const Options& options, std::function<int()>* run);

}  // namespace claimsctl
