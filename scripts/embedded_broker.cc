// embedded-broker: hosts librdkafka's mock Kafka cluster for local runs and tests, with every
// topic of the catalog created. Prints the bootstrap list, writes it to
// <data-dir>/broker/bootstrap.servers (read by the services and scripts), and runs until
// SIGINT or SIGTERM, then removes that file (a stale one is removed at start). State is in memory
// only.
// For fault tests (scripts/chaos.sh): SIGUSR1 takes every broker down, SIGUSR2 brings them up.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "shared/json_log.h"
#include "shared/mock_kafka_cluster.h"
#include "shared/process.h"
#include "shared/topic_catalog.h"

int main(int argc, char** argv) {
  claims::BlockTerminationSignals();
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGINT, SIGTERM, SIGUSR1, SIGUSR2}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts
  int brokers = 3;
  std::string data_dir = "data";
  CLI::App app{"embedded-broker: librdkafka's mock Kafka cluster with the product's topics"};
  app.add_option("--brokers", brokers, "Number of mock brokers")
      ->check(CLI::Range(1, 9))
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "Writes <data-dir>/broker/bootstrap.servers")
      ->envname("DATA_DIR")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  claims::SetLogService("embedded-broker", "");

  // A file left by a broker that was killed names ports nobody listens on: whoever waits for
  // the file (run_stack.sh, a container health check) must wait for this broker's.
  const std::string file = data_dir + "/broker/bootstrap.servers";
  std::error_code ec;
  std::filesystem::remove(file, ec);
  auto cluster = claims::MockKafkaCluster::Start(brokers);
  if (!cluster.ok()) {
    std::cerr << "embedded-broker: " << cluster.status().ToString() << "\n";
    return 1;
  }
  const claims::Status written =
      claims::WriteFileAtomically(file, (*cluster)->bootstrap_servers() + "\n");
  if (!written.ok()) {
    std::cerr << "embedded-broker: " << written.ToString() << "\n";
    return 1;
  }
  std::cout << "embedded Kafka broker (" << brokers
            << " brokers): " << (*cluster)->bootstrap_servers() << "\n";
  for (const claims::TopicSpec& t : claims::AllTopics()) {
    std::cout << "  topic " << t.name << " (" << t.partitions << " partitions)\n";
  }
  std::cout << "  bootstrap list written to " << file << "\n" << std::flush;

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGINT || sig == SIGTERM) break;
    const bool down = sig == SIGUSR1;
    for (int id = 1; id <= brokers; ++id) {
      const claims::Status s = down ? (*cluster)->SetBrokerDown(id) : (*cluster)->SetBrokerUp(id);
      if (!s.ok()) std::cerr << "embedded-broker: " << s.ToString() << "\n";
    }
    std::cout << (down ? "brokers down" : "brokers up") << "\n" << std::flush;
  }
  std::filesystem::remove(file, ec);
  return 0;
}
