// The provider management API (claim-service/docs/providers.md), for operators only:
//   POST   /admin/providers                        {"name": "saa"}: 201 with the first key
//   GET    /admin/providers                        every provider, removed ones included
//   GET    /admin/providers/{name}
//   DELETE /admin/providers/{name}                 removes it and revokes its keys
//   POST   /admin/providers/{name}/keys            201 with another key (rotation)
//   DELETE /admin/providers/{name}/keys/{key_id}   revokes one key
// A key is shown once, in the 201 answer that issues it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shared/clock.h"
#include "shared/http_router.h"
#include "shared/sqlite_db.h"
#include "shared/status.h"
#include "shared/topic_catalog.h"
#include "wal/journal.h"

namespace claims {

// Creates a provider's topics (EnsureTopics in production; a stand-in in tests).
using ProviderTopicCreator =
    std::function<StatusOr<std::vector<NamedTopic>>(const std::string& provider)>;

struct ProviderRouteDeps {
  wal::Journal* journal;
  std::shared_ptr<ReadConnections> reads;
  const Clock* clock;
  ProviderTopicCreator create_topics;
};

// Registers the routes, each RouteAccess::kOperator. `deps` must outlive the router.
void AddProviderRoutes(const ProviderRouteDeps& deps, Router* router);

}  // namespace claims
