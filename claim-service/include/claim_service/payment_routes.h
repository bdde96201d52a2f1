// A claim's payments as payment-service and its gateway's ledger recorded them, for the
// operator (the console's claim page draws them beside the saga's own steps):
//   GET /claims/{claim_id}/payments
// claim-service keeps no payment rows of its own: it asks payment-service (GET
// /payments?claim_id=), forwarding the caller's Authorization header. Each URL of
// `payment_service_urls` is tried in turn until one answers. See claim-service/docs/http_api.md.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "shared/http_router.h"
#include "shared/sqlite_db.h"

namespace claims {

struct PaymentLookupSettings {
  std::vector<std::string> payment_service_urls;  // "http://host:port"; empty: the route is 503
  std::chrono::milliseconds timeout{3000};        // per URL tried
};

void AddPaymentRoutes(const std::shared_ptr<ReadConnections>& reads,
                      const PaymentLookupSettings& settings, Router* router);

}  // namespace claims
