#include "shared/operational_routes.h"

#include <nlohmann/json.hpp>

#include "shared/http_problem.h"
#include "shared/metrics.h"

namespace claims {

void AddOperationalRoutes(std::vector<ReadinessCheck> checks, prometheus::Registry& metrics,
                          Router* router, std::function<void()> before_scrape) {
  router->Add(
      "GET", "/healthz",
      [](const HttpRequest&) {
        return JsonResponse(200, {{"status", "ok"}});
      },
      RouteAccess::kOpen);
  router->Add(
      "GET", "/readyz",
      [checks = std::move(checks)](const HttpRequest&) {
        nlohmann::json results = nlohmann::json::object();
        bool ready = true;
        for (const ReadinessCheck& c : checks) {
          const Status s = c.check();
          ready = ready && s.ok();
          results[c.name] = s.ok() ? "ok" : s.message();
        }
        return JsonResponse(ready ? 200 : 503,
                            {{"status", ready ? "ready" : "not ready"}, {"checks", results}});
      },
      RouteAccess::kOpen);
  router->Add(
      "GET", "/metrics",
      [&metrics, before_scrape = std::move(before_scrape)](const HttpRequest&) {
        if (before_scrape) before_scrape();
        HttpResponse r;
        r.content_type = kMetricsContentType;
        r.body = MetricsText(metrics);
        return r;
      },
      RouteAccess::kOpen);
}

}  // namespace claims
