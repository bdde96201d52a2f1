#include "claim_service/claim_routes.h"

#include "claim_service/claim_saga.h"
#include "claim_service/claim_store.h"
#include "claim_service/idempotent_request.h"
#include "shared/claim_codec.h"
#include "shared/clock.h"
#include "shared/date.h"
#include "shared/http_problem.h"
#include "shared/url.h"

namespace claims {
namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 500;

// Whether the request's principal may see `claim`: the operator (or anyone with authentication
// off) sees every claim, a provider only its own. A claim it may not see is "not found", so a
// provider cannot learn that another provider's claim exists.
bool Visible(const HttpRequest& request, const Claim& claim) {
  return !request.principal.provider || claim.provider == request.principal.provider;
}

StatusOr<Claim> LoadVisibleClaim(SqliteDatabase& db, const HttpRequest& request,
                                 const std::string& claim_id) {
  StatusOr<Claim> claim = LoadClaim(db, claim_id);
  if (claim.ok() && !Visible(request, *claim)) return NotFound("no claim with id " + claim_id);
  return claim;
}

bool IsCsv(const HttpRequest& request) {
  const std::string type = request.Header("content-type").value_or("");
  return type.rfind("text/csv", 0) == 0;
}

}  // namespace

void SubmitClaims(const ClaimRouteDeps& d, const HttpRequest& request, Reply reply) {
  auto decoded = std::make_shared<std::optional<DecodedClaims>>();
  const auto decode = [&]() -> std::optional<HttpResponse> {
    FieldErrors errors;
    if (IsCsv(request)) {
      std::string too_large;
      *decoded = DecodeClaimsCsv(request.body, &errors, &too_large);
      if (!too_large.empty()) {
        return PayloadTooLarge("the CSV body is past a limit: " + too_large + " (at most " +
                               std::to_string(kMaxClaimsPerSubmission) + " claims per submission)");
      }
    } else if (const std::string type = request.Header("content-type").value_or("");
               !type.empty() && !IsJsonMediaType(type)) {
      return Problem(415, "unsupported-media-type", "Unsupported media type",
                     "claims are sent as application/json or text/csv");
    } else {
      nlohmann::json body;
      HttpResponse problem;
      JsonLimits limits;
      limits.max_items = kMaxClaimsPerSubmission;
      if (!ParseJsonBody(request, &body, &problem, limits)) return problem;
      *decoded = DecodeClaimsJson(body, &errors);
    }
    if (!*decoded) return ValidationFailed(errors);
    return std::nullopt;
  };
  ExecuteIdempotent(
      *d.journal, *d.reads, *d.clock, request, decode,
      [saga = d.saga, decoded, &request](wal::JournalTxn& txn) -> StatusOr<HttpResponse> {
        const DecodedClaims& claims = **decoded;
        StatusOr<std::vector<Claim>> stored =
            saga->Submit(txn, claims.claims, request.principal.provider);
        if (!stored.ok()) return stored.status();
        if (!claims.was_array) {
          return JsonResponse(201, EncodeClaim(stored->front()))
              .WithHeader("Location", "/claims/" + stored->front().claim_id);
        }
        nlohmann::json list = nlohmann::json::array();
        for (const Claim& c : *stored) list.push_back(EncodeClaim(c));
        return JsonResponse(201, list);
      },
      std::move(reply));
}

HttpResponse SubmitClaimsAndWait(const ClaimRouteDeps& deps, const HttpRequest& request) {
  return WaitForAnswer([&](Reply reply) { SubmitClaims(deps, request, std::move(reply)); });
}

namespace {

HttpResponse GetClaim(const ClaimRouteDeps& d, const HttpRequest& request) {
  const ReadConnections::Lease db = d.reads->Acquire();
  StatusOr<Claim> claim = LoadVisibleClaim(*db, request, request.path_params.at("claim_id"));
  if (!claim.ok()) return RequestFailed(request, claim.status());
  return JsonResponse(200, EncodeClaim(*claim));
}

HttpResponse GetHistory(const ClaimRouteDeps& d, const HttpRequest& request) {
  const ReadConnections::Lease db = d.reads->Acquire();
  const std::string& id = request.path_params.at("claim_id");
  if (request.principal.provider) {
    StatusOr<Claim> claim = LoadVisibleClaim(*db, request, id);
    if (!claim.ok()) return RequestFailed(request, claim.status());
  }
  StatusOr<std::vector<ClaimHistoryEntry>> history = LoadClaimHistory(*db, id);
  if (!history.ok()) return RequestFailed(request, history.status());
  return JsonResponse(200, {{"claim_id", id}, {"history", EncodeHistory(*history)}});
}

// A time bound of GET /claims as stored times compare: "2026-12-01" is that day's first
// millisecond, "2026-12-01T10:00:00Z" and "...00.5Z" get their milliseconds written out.
std::optional<std::string> TimeBound(const std::string& value) {
  if (value.size() == 10) {
    if (!Date::ParseIso(value).ok()) return std::nullopt;
    return value + "T00:00:00.000Z";
  }
  const auto time = ParseRfc3339(value);
  if (!time) return std::nullopt;
  return FormatRfc3339(*time);
}

HttpResponse ListClaimsRoute(const ClaimRouteDeps& d, const HttpRequest& request) {
  ClaimFilter filter;
  int64_t limit = kDefaultLimit;
  int64_t offset = 0;
  FieldErrors errors;
  for (const auto& [name, value] : request.query) {
    const std::string location = "query." + name;
    if (name == "status") {
      filter.status = ParseClaimState(value);
      if (!filter.status) errors.push_back({location, "is not a claim status (e.g. PAID)"});
    } else if (name == "policy_id") {
      filter.policy_id = value;
    } else if (name == "provider_npi") {
      filter.provider_npi = value;
    } else if (name == "provider") {
      filter.provider = value;
    } else if (name == "submitted_from" || name == "submitted_to") {
      std::optional<std::string> bound = TimeBound(value);
      if (!bound) {
        errors.push_back(
            {location, "must be a date (2026-12-01) or a UTC time (2026-12-01T10:00:00Z)"});
      }
      (name == "submitted_from" ? filter.submitted_from : filter.submitted_to) = std::move(bound);
    } else if (name == "limit") {
      const auto n = ParsePageLimit(value, kMaxLimit);
      if (!n) {
        errors.push_back({location, "must be a whole number, 1 or more"});
      } else {
        limit = *n;
      }
    } else if (name == "offset") {
      const auto n = ParseWholeNumber(value);
      if (!n || *n < 0) {
        errors.push_back({location, "must be a whole number, 0 or more"});
      } else {
        offset = *n;
      }
    } else {
      errors.push_back({location,
                        "is not a query parameter of this endpoint (status, policy_id, "
                        "provider_npi, provider, submitted_from, submitted_to, limit, offset)"});
    }
  }
  if (!errors.empty()) return ValidationFailed(errors);
  if (request.principal.provider) {
    // A provider lists its own claims; asking for another provider's finds none.
    if (filter.provider && filter.provider != request.principal.provider) {
      return JsonResponse(200, nlohmann::json::array());
    }
    filter.provider = request.principal.provider;
  }
  StatusOr<std::vector<Claim>> page = [&] {
    const ReadConnections::Lease db = d.reads->Acquire();
    return ListClaims(*db, filter, offset, limit);
  }();
  if (!page.ok()) return RequestFailed(request, page.status());
  nlohmann::json list = nlohmann::json::array();
  for (const Claim& c : *page) list.push_back(EncodeClaim(c));
  HttpResponse response = JsonResponse(200, list);
  if (static_cast<int64_t>(page->size()) == limit) {
    std::string link =
        "/claims?limit=" + std::to_string(limit) + "&offset=" + std::to_string(offset + limit);
    if (filter.status) link += "&status=" + std::string(ClaimStateName(*filter.status));
    if (filter.policy_id) link += "&policy_id=" + EncodeQueryComponent(*filter.policy_id);
    if (filter.provider_npi) {
      link += "&provider_npi=" + EncodeQueryComponent(*filter.provider_npi);
    }
    if (filter.provider) link += "&provider=" + EncodeQueryComponent(*filter.provider);
    if (filter.submitted_from) {
      link += "&submitted_from=" + EncodeQueryComponent(*filter.submitted_from);
    }
    if (filter.submitted_to) link += "&submitted_to=" + EncodeQueryComponent(*filter.submitted_to);
    response.WithHeader("Link", "<" + link + ">; rel=\"next\"");
  }
  return response;
}

void ClaimAction(const ClaimRouteDeps& d, const HttpRequest& request, bool cancel, Reply reply) {
  const std::string id = request.path_params.at("claim_id");
  if (request.principal.provider) {
    // A claim's provider never changes, so checking before the command is enough.
    StatusOr<Claim> claim = [&] {
      const ReadConnections::Lease db = d.reads->Acquire();
      return LoadVisibleClaim(*db, request, id);
    }();
    if (!claim.ok()) {
      reply(RequestFailed(request, claim.status()));
      return;
    }
  }
  ExecuteIdempotent(
      *d.journal, *d.reads, *d.clock, request, [] { return std::nullopt; },
      [saga = d.saga, id, cancel](wal::JournalTxn& txn) -> StatusOr<HttpResponse> {
        StatusOr<Claim> claim = cancel ? saga->Cancel(txn, id) : saga->Retry(txn, id);
        if (!claim.ok()) return claim.status();
        return JsonResponse(202, EncodeClaim(*claim));
      },
      std::move(reply));
}

HttpResponse TopProviders(const ClaimRouteDeps& d, const HttpRequest& request) {
  std::chrono::seconds retry_after{0};
  // Limited per API key when there is one, else per client address.
  const std::string& who =
      request.principal.key_id.empty() ? request.client : request.principal.key_id;
  if (!d.top_providers_limit->Allow(who, &retry_after)) {
    return Problem(429, "rate-limited", "Too many requests",
                   "this endpoint allows a limited number of requests per minute per API key "
                   "(or client, without keys); "
                   "retry in " +
                       std::to_string(retry_after.count()) + " s")
        .WithHeader("Retry-After", std::to_string(retry_after.count()));
  }
  StatusOr<std::vector<ProviderTotal>> top = [&] {
    const ReadConnections::Lease db = d.reads->Acquire();
    return TopProviderNpis(*db, 10, request.principal.provider);
  }();
  if (!top.ok()) return RequestFailed(request, top.status());
  nlohmann::json list = nlohmann::json::array();
  for (const ProviderTotal& p : *top) {
    list.push_back({{"provider_npi", p.provider_npi},
                    {"total_net_fee", p.net_fee.ToString()},
                    {"claims", p.claims}});
  }
  return JsonResponse(200, list);
}

// The saga's transition table (claim_saga.h), for the console's "what can happen next".
HttpResponse SagaTable() {
  nlohmann::json transitions = nlohmann::json::array();
  for (const SagaTransition& t : SagaTransitions()) {
    nlohmann::json effects = nlohmann::json::array();
    for (SagaEffect e : t.effects) effects.push_back(SagaEffectName(e));
    transitions.push_back({{"from", ClaimStateName(t.from)},
                           {"event", SagaEventName(t.event)},
                           {"to", ClaimStateName(t.to)},
                           {"effects", effects}});
  }
  nlohmann::json terminal = nlohmann::json::array();
  for (ClaimState state : AllClaimStates()) {
    if (IsTerminal(state)) terminal.push_back(ClaimStateName(state));
  }
  return JsonResponse(200, {{"transitions", transitions}, {"terminal", terminal}})
      .WithHeader("Cache-Control", "max-age=3600");
}

}  // namespace

void AddClaimRoutes(const ClaimRouteDeps& deps, Router* router) {
  const auto bind = [deps](HttpResponse (*fn)(const ClaimRouteDeps&, const HttpRequest&)) {
    return [deps, fn](const HttpRequest& request) { return fn(deps, request); };
  };
  router->AddAsync("POST", "/claims", [deps](const HttpRequest& r, Reply reply) {
    SubmitClaims(deps, r, std::move(reply));
  });
  router->Add("GET", "/claims", bind(&ListClaimsRoute));
  router->Add("GET", "/claims/{claim_id}", bind(&GetClaim));
  router->Add("GET", "/claims/{claim_id}/history", bind(&GetHistory));
  router->AddAsync("POST", "/claims/{claim_id}/cancel", [deps](const HttpRequest& r, Reply reply) {
    ClaimAction(deps, r, true, std::move(reply));
  });
  router->AddAsync(
      "POST", "/claims/{claim_id}/retry",
      [deps](const HttpRequest& r, Reply reply) { ClaimAction(deps, r, false, std::move(reply)); },
      RouteAccess::kOperator);
  router->Add("GET", "/top-provider-npis", bind(&TopProviders));
  router->Add("GET", "/saga/transitions", [](const HttpRequest&) { return SagaTable(); });
}

}  // namespace claims
