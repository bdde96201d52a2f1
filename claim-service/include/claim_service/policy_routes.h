// The policy HTTP API (claim-service/docs/http_api.md): POST/GET/PUT/DELETE on /policies.
#pragma once

#include "claim_service/policy_service.h"
#include "shared/http_router.h"

namespace claims {

// Registers the policy routes. POST honours Idempotency-Key (idempotent_request.h). Everything
// passed must outlive the router.
void AddPolicyRoutes(PolicyService& service, wal::Journal& journal, ReadConnections& reads,
                     const Clock& clock, Router* router);

}  // namespace claims
