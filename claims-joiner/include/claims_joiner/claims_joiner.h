// claims-joiner: a process that joins the policy topics, claim-events and payment-events into
// claim-payments.joined (claims-joiner/docs/joiner.md). It reads its inputs with assign() from
// the positions its state store holds (so a restart resumes exactly where the last applied
// batch ended), applies each batch to the store in one transaction, and publishes the joined
// records the batch made. One instance per data directory: the store is locked.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <prometheus/registry.h>

#include "claims_joiner/join_store.h"
#include "shared/kafka_config.h"
#include "shared/kafka_inspect.h"
#include "shared/kafka_publisher.h"
#include "wal/file_system.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace claims {

struct ClaimsJoinerConfig {
  std::string data_dir = "data";  // the store is <data_dir>/claims-joiner/joiner.sqlite
  std::string instance_id = "joiner-1";
  KafkaSettings kafka;
  size_t max_batch = 1000;
  std::chrono::milliseconds poll_timeout{100};
  // How long one publish of the joined records waits for the brokers to confirm them; the
  // producer goes on delivering after that (message.timeout.ms), which a retry waits out.
  std::chrono::milliseconds publish_timeout{30000};
};

class ClaimsJoiner {
 public:
  // Locks the store, opens it, settles the records a previous run may have published without
  // recording it (see Reconcile), assigns the inputs and starts joining on its own thread.
  // Errors: kLocked when another joiner holds the store; kUnavailable when the output topic
  // cannot be read to settle those records; the store's errors.
  static StatusOr<std::unique_ptr<ClaimsJoiner>> Start(const ClaimsJoinerConfig& config);
  ~ClaimsJoiner();  // finishes the batch in hand, publishes what it made, stops
  ClaimsJoiner(const ClaimsJoiner&) = delete;
  ClaimsJoiner& operator=(const ClaimsJoiner&) = delete;

  int64_t outputs_published() const { return published_.load(); }

 private:
  ClaimsJoiner() = default;
  StatusOr<size_t> Reconcile();  // how many records it found on the topic
  Status Assign();
  Status PublishPending();
  void Run();

  ClaimsJoinerConfig config_;
  std::unique_ptr<wal::FileLock> lock_;
  std::unique_ptr<JoinStore> store_;
  prometheus::Registry metrics_;
  std::unique_ptr<KafkaEventPublisher> publisher_;
  std::unique_ptr<KafkaInspector> inspector_;  // the output topic's ends; the joiner's thread
  rd_kafka_t* consumer_ = nullptr;
  // A publish gave up with records perhaps still on their way (the joiner's thread only).
  bool in_doubt_ = false;
  std::atomic<int64_t> published_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The store's path under `data_dir`.
std::string JoinerStorePath(const std::string& data_dir);

}  // namespace claims
