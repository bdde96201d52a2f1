#include "claim_service/policy_routes.h"

#include "claim_service/idempotent_request.h"
#include "shared/http_problem.h"
#include "shared/json_values.h"
#include "shared/url.h"

namespace claims {
namespace {

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 500;

struct ListQuery {
  PolicyFilter filter;
  PageRequest page;
  bool by_cursor = false;
};

std::optional<ListQuery> ParseListQuery(const HttpRequest& request, FieldErrors* errors) {
  ListQuery q;
  q.page.limit = kDefaultLimit;
  for (const auto& [name, value] : request.query) {
    const std::string location = "query." + name;
    if (name == "status") {
      q.filter.status = ParsePolicyStatus(value);
      if (!q.filter.status)
        errors->push_back({location, "must be one of Active, Expired (any case)"});
    } else if (name == "policy_type") {
      q.filter.policy_type = ParsePolicyType(value);
      if (!q.filter.policy_type) {
        errors->push_back({location, "must be one of Life, Health, Car, Home (any case)"});
      }
    } else if (name == "limit") {
      const auto limit = ParsePageLimit(value, kMaxLimit);
      if (!limit) {
        errors->push_back({location, "must be a whole number, 1 or more"});
      } else {
        q.page.limit = *limit;
      }
    } else if (name == "offset") {
      const auto offset = ParseWholeNumber(value);
      if (!offset || *offset < 0) {
        errors->push_back({location, "must be a whole number, 0 or more"});
      } else {
        q.page.offset = *offset;
      }
    } else if (name == "cursor") {
      // A cursor is "p" and the position of the last policy of the previous page.
      const auto position =
          value.size() > 1 && value[0] == 'p' ? ParseWholeNumber(value.substr(1)) : std::nullopt;
      if (!position || *position < 0) {
        errors->push_back({location, "is not a cursor this API issued"});
      } else {
        q.page.after_position = *position;
        q.by_cursor = true;
      }
    } else {
      errors->push_back({location,
                         "is not a query parameter of this endpoint (status, policy_type, "
                         "limit, offset, cursor)"});
    }
  }
  if (q.by_cursor && request.query.count("offset") != 0) {
    errors->push_back({"query.offset", "cannot be combined with cursor"});
  }
  if (!errors->empty()) return std::nullopt;
  return q;
}

// The link to the next page, keeping the filters: "</policies?...>; rel=\"next\"".
std::string NextLink(const ListQuery& q, const PolicyPage& page) {
  std::string link = "/policies?limit=" + std::to_string(q.page.limit);
  if (q.filter.status) link += "&status=" + std::string(PolicyStatusName(*q.filter.status));
  if (q.filter.policy_type)
    link += "&policy_type=" + std::string(PolicyTypeName(*q.filter.policy_type));
  if (q.by_cursor || q.page.offset == 0) {
    link += "&cursor=p" + std::to_string(page.last_position);
  } else {
    link += "&offset=" + std::to_string(q.page.offset + q.page.limit);
  }
  return "<" + link + ">; rel=\"next\"";
}

void CreatePolicy(PolicyService& service, wal::Journal& journal, ReadConnections& reads,
                  const Clock& clock, const HttpRequest& request, Reply reply) {
  auto decoded = std::make_shared<std::optional<PolicyWriteRequest>>();
  const auto decode = [&]() -> std::optional<HttpResponse> {
    nlohmann::json body;
    HttpResponse problem;
    if (!ParseJsonBody(request, &body, &problem)) return problem;
    FieldErrors errors;
    *decoded = DecodePolicyWrite(body, PolicyWrite::kCreate, &errors);
    if (!*decoded) return ValidationFailed(errors);
    return std::nullopt;
  };
  ExecuteIdempotent(
      journal, reads, clock, request, decode,
      [&service, decoded](wal::JournalTxn& txn) -> StatusOr<HttpResponse> {
        StatusOr<Policy> policy = service.Create(txn, (*decoded)->fields, (*decoded)->policy_id);
        if (!policy.ok()) return policy.status();
        return JsonResponse(201, EncodePolicy(*policy))
            .WithHeader("Location", "/policies/" + policy->policy_id);
      },
      std::move(reply));
}

HttpResponse GetPolicy(PolicyService& service, const HttpRequest& request) {
  StatusOr<Policy> policy = service.Get(request.path_params.at("policy_id"));
  if (!policy.ok()) return RequestFailed(request, policy.status());
  return JsonResponse(200, EncodePolicy(*policy));
}

HttpResponse ListPolicies(PolicyService& service, const HttpRequest& request) {
  FieldErrors errors;
  auto query = ParseListQuery(request, &errors);
  if (!query) return ValidationFailed(errors);
  StatusOr<PolicyPage> page = service.List(query->filter, query->page);
  if (!page.ok()) return RequestFailed(request, page.status());
  nlohmann::json list = nlohmann::json::array();
  for (const Policy& p : page->policies) list.push_back(EncodePolicy(p));
  HttpResponse response = JsonResponse(200, list);
  if (static_cast<int64_t>(page->policies.size()) == query->page.limit) {
    response.WithHeader("Link", NextLink(*query, *page));
  }
  return response;
}

// A policy_id in a PUT or PATCH body is an echo of what GET returned: it must name the policy
// of the path.
void CheckEchoedPolicyId(const nlohmann::json& body, const std::string& policy_id,
                         FieldErrors* errors) {
  if (!body.is_object()) return;
  const auto echoed = body.find("policy_id");
  if (echoed == body.end()) return;
  const std::optional<std::string> id = PolicyIdText(*echoed);
  if (id && *id != policy_id) {
    errors->push_back(
        {"body.policy_id", "must match the policy_id in the path (" + policy_id + ")"});
  }
}

void ReplacePolicy(PolicyService& service, const HttpRequest& request, Reply reply) {
  const std::string& policy_id = request.path_params.at("policy_id");
  nlohmann::json body;
  HttpResponse problem;
  if (!ParseJsonBody(request, &body, &problem)) return reply(std::move(problem));
  FieldErrors errors;
  auto decoded = DecodePolicyWrite(body, PolicyWrite::kReplace, &errors);
  CheckEchoedPolicyId(body, policy_id, &errors);
  if (!errors.empty()) return reply(ValidationFailed(errors));
  service.Replace(policy_id, std::move(*decoded),
                  [&request, reply = std::move(reply)](StatusOr<Policy> policy) {
                    if (!policy.ok()) return reply(RequestFailed(request, policy.status()));
                    reply(JsonResponse(200, EncodePolicy(*policy)));
                  });
}

void PatchPolicy(PolicyService& service, const HttpRequest& request, Reply reply) {
  const std::string& policy_id = request.path_params.at("policy_id");
  // A JSON Patch (RFC 6902) is a list of operations, which a merge patch would read as "replace
  // the whole policy with this array": refuse it by name instead.
  const std::string type = request.Header("content-type").value_or("");
  if (type.rfind("application/json-patch+json", 0) == 0) {
    return reply(Problem(415, "unsupported-media-type", "Unsupported media type",
                         "PATCH takes a JSON merge patch (RFC 7396): send the fields to change as "
                         "an object, as application/merge-patch+json or application/json"));
  }
  nlohmann::json patch;
  HttpResponse problem;
  if (!ParseJsonBody(request, &patch, &problem)) return reply(std::move(problem));
  FieldErrors errors;
  if (!patch.is_object()) {
    errors.push_back({"body", "must be a JSON object (a merge patch), not " + JsonTypeName(patch)});
  }
  CheckEchoedPolicyId(patch, policy_id, &errors);
  if (!errors.empty()) return reply(ValidationFailed(errors));
  service.Patch(
      policy_id, std::move(patch),
      [&request, reply = std::move(reply)](StatusOr<Policy> policy, const FieldErrors& invalid) {
        if (!invalid.empty()) return reply(ValidationFailed(invalid));
        if (!policy.ok()) return reply(RequestFailed(request, policy.status()));
        reply(JsonResponse(200, EncodePolicy(*policy)));
      });
}

void DeletePolicy(PolicyService& service, const HttpRequest& request, Reply reply) {
  service.Delete(request.path_params.at("policy_id"),
                 [&request, reply = std::move(reply)](const Status& deleted) {
                   if (!deleted.ok()) return reply(RequestFailed(request, deleted));
                   HttpResponse r;
                   r.status = 204;
                   reply(std::move(r));
                 });
}

}  // namespace

void AddPolicyRoutes(PolicyService& service, wal::Journal& journal, ReadConnections& reads,
                     const Clock& clock, Router* router) {
  const auto bind = [&service](HttpResponse (*fn)(PolicyService&, const HttpRequest&)) {
    return [&service, fn](const HttpRequest& request) { return fn(service, request); };
  };
  // Policies are the insurer's: with authentication required, any key reads them and only the
  // operator's key changes them (docs/providers.md).
  constexpr RouteAccess kOp = RouteAccess::kOperator;
  router->AddAsync(
      "POST", "/policies",
      [&service, &journal, &reads, &clock](const HttpRequest& request, Reply reply) {
        CreatePolicy(service, journal, reads, clock, request, std::move(reply));
      },
      kOp);
  router->Add("GET", "/policies", bind(&ListPolicies));
  router->Add("GET", "/policies/{policy_id}", bind(&GetPolicy));
  // Changes answer once they are durable, from the journal's completion thread.
  const auto bind_async = [&service](void (*fn)(PolicyService&, const HttpRequest&, Reply)) {
    return [&service, fn](const HttpRequest& request, Reply reply) {
      fn(service, request, std::move(reply));
    };
  };
  router->AddAsync("PUT", "/policies/{policy_id}", bind_async(&ReplacePolicy), kOp);
  router->AddAsync("PATCH", "/policies/{policy_id}", bind_async(&PatchPolicy), kOp);
  router->AddAsync("DELETE", "/policies/{policy_id}", bind_async(&DeletePolicy), kOp);
}

}  // namespace claims
