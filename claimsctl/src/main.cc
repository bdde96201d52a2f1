// claimsctl: the operator CLI of the claims platform. `claimsctl help` lists the commands;
// README.md "Operator CLI" shows each with its output.
#include <CLI/CLI.hpp>
#include <iostream>

#include "api.h"
#include "dlq_command.h"
#include "generate_command.h"
#include "monitor_command.h"
#include "provider_command.h"
#include "shared/json_log.h"

int main(int argc, char** argv) {
  // The Kafka client's own notices are not the tool's output; its warnings and errors are.
  claims::SetLogLevel(claims::LogLevel::kWarn);
  claimsctl::Options options;
  CLI::App app{"claimsctl: the operator CLI of the claims platform", "claimsctl"};
  app.add_option("--url", options.url, "The claim-service to talk to")
      ->envname("CLAIMS_URL")
      ->capture_default_str();
  app.add_option("--operator-key", options.operator_key,
                 "The operator's API key (prefer the variable, which process lists do not show)")
      ->envname("OPERATOR_API_KEY");
  app.add_flag("--json", options.json, "Print the service's answers as JSON");
  app.add_option("--brokers", options.brokers, "Kafka bootstrap servers, for the Kafka commands")
      ->envname("KAFKA_BOOTSTRAP_SERVERS")
      ->capture_default_str();
  std::function<int()> run;
  claimsctl::AddProviderCommand(app, options, &run);
  claimsctl::AddGenerateCommand(app, options, &run);
  claimsctl::AddDlqCommand(app, options, &run);
  claimsctl::AddMonitorCommand(app, options, &run);
  CLI::App* help = app.add_subcommand("help", "List the commands");
  app.require_subcommand(1);
  // Written before parsing: once a subcommand is chosen, help() describes that one.
  const std::string usage = app.help();
  help->callback([&] {
    run = [&] {
      std::cout << usage;
      return 0;
    };
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run ? run() : 0;
}
