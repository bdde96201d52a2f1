// The claims HTTP API (claim-service/docs/http_api.md): POST /claims (JSON or CSV, one or many),
// GET /claims, GET /claims/{claim_id}, GET /claims/{claim_id}/history,
// POST /claims/{claim_id}/cancel, POST /claims/{claim_id}/retry, GET /top-provider-npis.
#pragma once

#include <memory>

#include "claim_service/saga_orchestrator.h"
#include "shared/clock.h"
#include "shared/http_router.h"
#include "shared/rate_limiter.h"
#include "shared/sqlite_db.h"
#include "wal/journal.h"

namespace claims {

struct ClaimRouteDeps {
  wal::Journal* journal;
  SagaOrchestrator* saga;
  std::shared_ptr<ReadConnections> reads;  // the read connection
  RateLimiter* top_providers_limit;
  const Clock* clock;
};

// Registers the claim routes. Everything `deps` points to must outlive the router.
void AddClaimRoutes(const ClaimRouteDeps& deps, Router* router);

// POST /claims itself: answers through `reply` once the submission is durable (or refused).
void SubmitClaims(const ClaimRouteDeps& deps, const HttpRequest& request, Reply reply);
// The same, waiting for the answer, for other ways in (a provider's topic): the same decoding,
// validation, idempotency and answer.
HttpResponse SubmitClaimsAndWait(const ClaimRouteDeps& deps, const HttpRequest& request);

}  // namespace claims
