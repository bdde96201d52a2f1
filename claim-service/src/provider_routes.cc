#include "claim_service/provider_routes.h"

#include "claim_service/provider_registry.h"
#include "shared/http_problem.h"
#include "shared/json_log.h"

namespace claims {
namespace {

nlohmann::json OptionalText(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

nlohmann::json EncodeProvider(const ProviderRecord& p) {
  nlohmann::json keys = nlohmann::json::array();
  for (const ProviderKeyInfo& k : p.keys) {
    keys.push_back({{"key_id", k.key_id},
                    {"created_at", k.created_at},
                    {"revoked_at", OptionalText(k.revoked_at)}});
  }
  return {{"name", p.name},
          {"created_at", p.created_at},
          {"removed_at", OptionalText(p.removed_at)},
          {"keys", keys},
          {"topics",
           {{"submitted", ProviderSubmittedTopic(p.name)},
            {"dead_letters", DeadLetterTopic(ProviderSubmittedTopic(p.name))},
            {"updated", ProviderUpdatedTopic(p.name)}}}};
}

StatusOr<ProviderRecord> Load(const ProviderRouteDeps& d, const std::string& name) {
  const ReadConnections::Lease db = d.reads->Acquire();
  return LoadProvider(*db, name);
}

// Issues a key in one journal command (`issue` stores it: a new provider's first key, or another
// key of an existing one) and answers 201 with the provider and the key, shown this once and
// never cached; or the problem for the command's error. Location names the key when
// `locate_key`, else the provider.
HttpResponse IssueKey(
    const ProviderRouteDeps& d, const HttpRequest& request, const std::string& name,
    const std::function<StatusOr<IssuedApiKey>(wal::JournalTxn&, const std::string&)>& issue,
    bool locate_key, std::string_view what, nlohmann::json log_fields) {
  IssuedApiKey key;
  const Status done = d.journal->Execute([&](wal::JournalTxn& txn) -> Status {
    StatusOr<IssuedApiKey> issued = issue(txn, FormatRfc3339(d.clock->Now()));
    if (!issued.ok()) return issued.status();
    key = std::move(*issued);
    return Status::Ok();
  });
  if (!done.ok()) return RequestFailed(request, done);
  log_fields["provider"] = name;
  log_fields["key_id"] = key.key_id;
  Log(LogLevel::kInfo, what, log_fields);
  StatusOr<ProviderRecord> provider = Load(d, name);
  if (!provider.ok()) return RequestFailed(request, provider.status());
  nlohmann::json body = EncodeProvider(*provider);
  body["key_id"] = key.key_id;
  body["api_key"] = key.key;
  std::string location = "/admin/providers/" + name;
  if (locate_key) location += "/keys/" + key.key_id;
  return JsonResponse(201, body)
      .WithHeader("Location", location)
      .WithHeader("Cache-Control", "no-store");
}

HttpResponse CreateProviderRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  nlohmann::json body;
  HttpResponse problem;
  if (!ParseJsonBody(request, &body, &problem)) return problem;
  FieldErrors errors;
  if (!body.is_object()) {
    errors.push_back({"body", "must be an object: {\"name\": \"saa\"}"});
  } else {
    for (const auto& [field, value] : body.items()) {
      if (field != "name") errors.push_back({"body." + field, "is not a field of a provider"});
    }
    if (!body.contains("name")) {
      errors.push_back({"body.name", "is required"});
    } else if (!body["name"].is_string() || !IsValidProviderName(body["name"].get<std::string>())) {
      errors.push_back({"body.name",
                        "must be 2 to 32 characters of a-z, 0-9 and '-', starting with a letter "
                        "and not ending with '-'"});
    }
  }
  if (!errors.empty()) return ValidationFailed(errors);
  const std::string name = body["name"].get<std::string>();
  if (StatusOr<ProviderRecord> existing = Load(d, name); existing.ok()) {
    return ConflictProblem(existing->removed_at ? "provider " + name +
                                                      " was removed; names are not reused, so "
                                                      "its claims stay its own"
                                                : "provider " + name + " exists already");
  }
  // The topics first: a provider whose topics could not be made is not created, and a retry
  // finds the topics made so far and goes on.
  StatusOr<std::vector<NamedTopic>> topics = d.create_topics(name);
  if (!topics.ok()) {
    return RequestFailed(request, Unavailable("the provider's topics could not be created: " +
                                              topics.status().message()));
  }
  nlohmann::json partitions = nlohmann::json::object();
  for (const NamedTopic& t : *topics) partitions[t.name] = t.partitions;
  return IssueKey(
      d, request, name,
      [&](wal::JournalTxn& txn, const std::string& now) { return CreateProvider(txn, name, now); },
      /*locate_key=*/false, "provider created", {{"topics", partitions}});
}

HttpResponse ListProvidersRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  StatusOr<std::vector<ProviderRecord>> providers = [&] {
    const ReadConnections::Lease db = d.reads->Acquire();
    return ListProviders(*db);
  }();
  if (!providers.ok()) return RequestFailed(request, providers.status());
  nlohmann::json list = nlohmann::json::array();
  for (const ProviderRecord& p : *providers) list.push_back(EncodeProvider(p));
  return JsonResponse(200, list);
}

HttpResponse GetProviderRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  StatusOr<ProviderRecord> provider = Load(d, request.path_params.at("name"));
  if (!provider.ok()) return RequestFailed(request, provider.status());
  return JsonResponse(200, EncodeProvider(*provider));
}

// Runs `change` as one journal command and answers 204, or the problem for its error.
HttpResponse Change(const ProviderRouteDeps& d, const HttpRequest& request,
                    const std::function<Status(wal::JournalTxn&, const std::string&)>& change,
                    std::string_view what) {
  const Status done = d.journal->Execute(
      [&](wal::JournalTxn& txn) { return change(txn, FormatRfc3339(d.clock->Now())); });
  if (!done.ok()) return RequestFailed(request, done);
  nlohmann::json fields = {{"provider", request.path_params.at("name")}};
  if (auto it = request.path_params.find("key_id"); it != request.path_params.end()) {
    fields["key_id"] = it->second;
  }
  Log(LogLevel::kInfo, what, fields);
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse RemoveProviderRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  const std::string& name = request.path_params.at("name");
  return Change(
      d, request,
      [&](wal::JournalTxn& txn, const std::string& now) { return RemoveProvider(txn, name, now); },
      "provider removed; its keys are revoked");
}

HttpResponse AddKeyRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  const std::string& name = request.path_params.at("name");
  return IssueKey(
      d, request, name,
      [&](wal::JournalTxn& txn, const std::string& now) { return AddProviderKey(txn, name, now); },
      /*locate_key=*/true, "provider key issued", nlohmann::json::object());
}

HttpResponse RevokeKeyRoute(const ProviderRouteDeps& d, const HttpRequest& request) {
  const std::string& name = request.path_params.at("name");
  const std::string& key_id = request.path_params.at("key_id");
  return Change(
      d, request,
      [&](wal::JournalTxn& txn, const std::string& now) {
        return RevokeProviderKey(txn, name, key_id, now);
      },
      "provider key revoked");
}

}  // namespace

void AddProviderRoutes(const ProviderRouteDeps& deps, Router* router) {
  const auto bind = [deps](HttpResponse (*fn)(const ProviderRouteDeps&, const HttpRequest&)) {
    return [deps, fn](const HttpRequest& request) { return fn(deps, request); };
  };
  constexpr RouteAccess kOp = RouteAccess::kOperator;
  router->Add("POST", "/admin/providers", bind(&CreateProviderRoute), kOp);
  router->Add("GET", "/admin/providers", bind(&ListProvidersRoute), kOp);
  router->Add("GET", "/admin/providers/{name}", bind(&GetProviderRoute), kOp);
  router->Add("DELETE", "/admin/providers/{name}", bind(&RemoveProviderRoute), kOp);
  router->Add("POST", "/admin/providers/{name}/keys", bind(&AddKeyRoute), kOp);
  router->Add("DELETE", "/admin/providers/{name}/keys/{key_id}", bind(&RevokeKeyRoute), kOp);
}

}  // namespace claims
