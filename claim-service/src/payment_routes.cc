#include "claim_service/payment_routes.h"

#include "claim_service/claim_store.h"
#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/url.h"
#include "testing/http_client.h"

namespace claims {
namespace {

HttpResponse ClaimPayments(const std::shared_ptr<ReadConnections>& reads,
                           const PaymentLookupSettings& settings, const HttpRequest& request) {
  const std::string& claim_id = request.path_params.at("claim_id");
  {
    const ReadConnections::Lease db = reads->Acquire();
    StatusOr<Claim> claim = LoadClaim(*db, claim_id);
    if (!claim.ok()) return RequestFailed(request, claim.status());
  }
  // The caller's key, under whichever header it came (both are accepted: http_api.md).
  std::vector<std::string> headers;
  if (const auto authorization = request.Header("authorization")) {
    headers.push_back("Authorization: " + *authorization);
  }
  if (const auto api_key = request.Header("x-api-key")) headers.push_back("X-API-Key: " + *api_key);
  const std::string path = "/payments?claim_id=" + EncodeQueryComponent(claim_id);
  std::string tried;  // what each URL answered, for the 503's detail
  for (const std::string& url : settings.payment_service_urls) {
    testing::HttpClient client(url, settings.timeout);
    const testing::HttpResult answer = client.Send("GET", path, "", headers);
    nlohmann::json payments = answer.Json();
    if (answer.status == 200 && payments.is_array()) {
      return JsonResponse(
          200,
          {{"claim_id", claim_id}, {"payment_service", url}, {"payments", std::move(payments)}});
    }
    if (answer.status == 401 || answer.status == 403) {
      // Not this caller's fault: the services were given different operator keys.
      Log(LogLevel::kWarn, "payment-service refused the forwarded operator key",
          {{"request_id", request.request_id}, {"payment_service", url}});
      return Problem(502, "payment-service-refused", "payment-service refused the request",
                     "payment-service at " + url + " answered " + std::to_string(answer.status) +
                         " to the forwarded key: give both services the same OPERATOR_API_KEY");
    }
    if (!tried.empty()) tried += "; ";
    tried += url + ": " +
             (answer.status == 0 ? answer.error : "answered " + std::to_string(answer.status));
  }
  if (settings.payment_service_urls.empty()) {
    tried = "no payment-service URL is configured (--payment-service-url)";
  }
  return RequestFailed(
      request, Unavailable("no payment-service answered for the claim's payments (" + tried +
                           "); try again"));
}

}  // namespace

void AddPaymentRoutes(const std::shared_ptr<ReadConnections>& reads,
                      const PaymentLookupSettings& settings, Router* router) {
  router->Add(
      "GET", "/claims/{claim_id}/payments",
      [reads, settings](const HttpRequest& request) {
        return ClaimPayments(reads, settings, request);
      },
      RouteAccess::kOperator);
}

}  // namespace claims
