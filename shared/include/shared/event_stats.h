// Live statistics of the platform's topics, for `claimsctl monitor` and claim-service's
// GET /stats/events: per topic and per event type the counts and rates, dead-letter counts,
// each consumer group's lag, and claims per saga state (the last CLAIM_STATE_CHANGED of each
// claim on claim-events). A reader thread reads every topic from its beginning with assign()
// (no group, nothing committed), so the services' groups are never disturbed; topics made later
// (a new provider's) are picked up within seconds.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "shared/kafka_config.h"
#include "shared/kafka_consumer.h"
#include "shared/kafka_inspect.h"
#include "shared/status.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace claims {

// The counting, apart from Kafka (tested on its own). Thread-safe.
class EventStats {
 public:
  using Clock = std::chrono::steady_clock;

  // Counts one message: its topic, its event_type (from the JSON value; "-" when it has none;
  // see kMaxEventTypes), and for claim-events the claim's latest state.
  void Add(const KafkaMessage& m);
  // Takes a sample of the counts (once a second); a rate is the count since the oldest sample
  // of the last kWindow, per second. `restart` forgets the earlier samples (after a backlog).
  void Sample(Clock::time_point now, bool restart = false);
  // {"topic": {"messages", "rate_per_s", "dead_letter", "event_types": {"TYPE": {"count",
  // "rate_per_s"}}}}, every topic that has had a message.
  nlohmann::json Topics() const;
  // {"PAID": n, ...}
  nlohmann::json ClaimsByState() const;

  static constexpr std::chrono::seconds kWindow{5};
  // Event types counted apart per topic; the others (and names over 64 bytes) are counted
  // together under kOtherEventTypes, so a producer's made-up types cannot grow the counts.
  static constexpr size_t kMaxEventTypes = 32;
  static constexpr const char* kOtherEventTypes = "(other)";

 private:
  struct Counter {
    int64_t count = 0;
    std::deque<std::pair<Clock::time_point, int64_t>> samples;
    double Rate(Clock::time_point now) const;
  };
  struct TopicCounts {
    Counter all;
    std::map<std::string, Counter> types;
  };
  struct ClaimState {
    int64_t version = -1;
    std::string state;
  };

  mutable std::mutex mu_;
  std::map<std::string, TopicCounts> topics_;       // guarded by mu_
  std::map<std::string, ClaimState> claims_;        // guarded by mu_
  std::map<std::string, int64_t> claims_by_state_;  // guarded by mu_
};

class EventStatsReader {
 public:
  // Starts reading. Errors: kInvalidArgument for a bad setting (a broker that is down is not an
  // error: reading starts when it answers).
  static StatusOr<std::unique_ptr<EventStatsReader>> Start(const KafkaSettings& settings);
  ~EventStatsReader();
  EventStatsReader(const EventStatsReader&) = delete;
  EventStatsReader& operator=(const EventStatsReader&) = delete;

  // Waits until every partition that existed when called has been read to where its end was
  // then. False at the timeout.
  bool WaitCaughtUp(std::chrono::milliseconds timeout);

  // The statistics now: {"at", "topics" (EventStats::Topics), "dead_letters" {"<topic>.dlq": n},
  // "groups" {"<group>": {"lag", "topics": {"<topic>": {"lag", "committed", "end"}}}},
  // "claims_by_state"}. The lag is asked of the cluster now (up to `timeout`);
  // a group the cluster cannot answer for has "error" instead. Thread-safe.
  nlohmann::json Snapshot(std::chrono::milliseconds timeout);

 private:
  EventStatsReader() = default;
  void Run();
  void Assign();  // (re)assigns every partition of every topic, keeping positions

  KafkaSettings settings_;
  rd_kafka_t* rk_ = nullptr;
  EventStats stats_;
  std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> next_;  // position per partition; guarded by mu_
  std::map<std::string, int> topics_;                    // guarded by mu_
  std::map<std::string, std::unique_ptr<GroupOffsets>> group_offsets_;  // Snapshot's; snapshot_mu_
  std::mutex snapshot_mu_;
  std::atomic<bool> refresh_{false};  // assign new topics now
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace claims
