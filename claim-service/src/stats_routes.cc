#include "claim_service/stats_routes.h"

#include <memory>
#include <mutex>

#include "shared/event_stats.h"
#include "shared/http_problem.h"

namespace claims {
namespace {

// How long a request waits for the reader to reach the topics' ends (the first one starts the
// reader); it answers then either way, with "caught_up" saying whether the counts are complete.
// Short, and without the lock: the console polls every 2 s and there are two HTTP threads.
constexpr std::chrono::milliseconds kCatchUp{1000};
constexpr std::chrono::seconds kLagTimeout{5};

struct StatsState {
  KafkaSettings kafka;
  std::mutex mu;
  std::unique_ptr<EventStatsReader> reader;  // guarded by mu; made by the first request
  bool caught_up = false;                    // guarded by mu
};

HttpResponse EventStatsRoute(StatsState& state) {
  EventStatsReader* reader = nullptr;
  bool caught_up = false;
  {
    std::lock_guard lock(state.mu);
    if (!state.reader) {
      StatusOr<std::unique_ptr<EventStatsReader>> started = EventStatsReader::Start(state.kafka);
      if (!started.ok()) return ProblemFromStatus(started.status());
      state.reader = std::move(*started);
    }
    reader = state.reader.get();
    caught_up = state.caught_up;
  }
  if (!caught_up && reader->WaitCaughtUp(kCatchUp)) {
    std::lock_guard lock(state.mu);
    state.caught_up = caught_up = true;
  }
  nlohmann::json body = reader->Snapshot(kLagTimeout);
  body["caught_up"] = caught_up;
  return JsonResponse(200, body).WithHeader("Cache-Control", "no-store");
}

}  // namespace

void AddEventStatsRoutes(const KafkaSettings& kafka, Router* router) {
  auto state = std::make_shared<StatsState>();
  state->kafka = kafka;
  state->kafka.client_id += "-stats";
  router->Add(
      "GET", "/stats/events", [state](const HttpRequest&) { return EventStatsRoute(*state); },
      RouteAccess::kOperator);
}

}  // namespace claims
