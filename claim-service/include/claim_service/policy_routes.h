// The policy HTTP API (claim-service/docs/http_api.md): POST/GET/PUT/DELETE on /policies.
#pragma once

#include "claim_service/policy_service.h"
#include "shared/http_router.h"

namespace claims {

// Registers the policy routes. `service` must outlive the router.
void AddPolicyRoutes(PolicyService& service, Router* router);

}  // namespace claims
