// Prometheus metrics: every component registers its counters in one prometheus::Registry per
// process; /metrics serves MetricsText(registry).
#pragma once

#include <string>

#include <prometheus/registry.h>

namespace claims {

// The registry's metrics in the Prometheus text exposition format (version 0.0.4).
std::string MetricsText(prometheus::Registry& registry);

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace claims
