// The operational endpoints every service serves:
//   GET /healthz  200 {"status":"ok"} while the process serves HTTP (liveness);
//   GET /readyz   200 when every readiness check passes, else 503 listing the failures;
//   GET /metrics  Prometheus text.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "shared/http_router.h"
#include "shared/status.h"

namespace claims {

struct ReadinessCheck {
  std::string name;               // "database", "broker"
  std::function<Status()> check;  // must answer within about a second
};

// `metrics` must outlive the router. `before_scrape`, when set, runs before each /metrics answer
// (gauges read from the database when asked, not on a timer).
void AddOperationalRoutes(std::vector<ReadinessCheck> checks, prometheus::Registry& metrics,
                          Router* router, std::function<void()> before_scrape = {});

}  // namespace claims
