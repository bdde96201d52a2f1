// Keeps a service's OpenAPI document true (gtest assertions; for the services' tests):
//   - every route the router serves is documented, with its access (open routes have
//     `security: []`, operator routes `x-access: operator`), and every documented operation is
//     a route;
//   - an answer is documented: its status is one of the operation's responses, and a JSON
//     body matches the schema documented for that status (validated with valijson).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "shared/http_router.h"
#include "testing/http_client.h"

namespace claims::testing {

void ExpectRoutesDocumented(const nlohmann::json& doc,
                            const std::vector<Router::RouteInfo>& routes);

// `r` answered `method` on the documented `pattern` ("/claims/{claim_id}").
void ExpectDocumentedAnswer(const nlohmann::json& doc, const std::string& method,
                            const std::string& pattern, const HttpResult& r);

// Sends every documented operation once: path parameters from `values` (else
// "openapi-probe"), no body for GET and DELETE, `{}` for the others, and expects a documented
// answer that came from the operation, not from the router (its 404 "no resource at").
// Operations named in `skip` ("DELETE /policies/{policy_id}") are not sent.
void ProbeDocumentedOperations(HttpClient& client, const nlohmann::json& doc,
                               const std::map<std::string, std::string>& values,
                               const std::set<std::string>& skip = {});

}  // namespace claims::testing
