#include "testing/openapi_check.h"

#include <gtest/gtest.h>

#include <cctype>

#include "shared/event_schemas.h"

namespace claims::testing {
namespace {

using nlohmann::json;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool IsMethod(const std::string& key) {
  static const std::set<std::string> kMethods{"get", "put", "post", "delete", "patch", "head"};
  return kMethods.count(key) > 0;
}

// Follows a local "$ref" ("#/components/responses/NotFound") to what it names (a copy: `node`
// may be a temporary).
json Resolve(const json& doc, const json& node) {
  if (!node.is_object() || !node.contains("$ref")) return node;
  const std::string ref = node["$ref"];
  return doc.at(json::json_pointer(ref.substr(1)));
}

std::string FillPath(std::string pattern, const std::map<std::string, std::string>& values) {
  size_t open = 0;
  while ((open = pattern.find('{', open)) != std::string::npos) {
    const size_t close = pattern.find('}', open);
    const std::string name = pattern.substr(open + 1, close - open - 1);
    const auto it = values.find(name);
    const std::string value = it == values.end() ? "openapi-probe" : it->second;
    pattern.replace(open, close - open + 1, value);
    open += value.size();
  }
  return pattern;
}

}  // namespace

void ExpectRoutesDocumented(const json& doc, const std::vector<Router::RouteInfo>& routes) {
  ASSERT_EQ(doc.value("openapi", ""), "3.1.0");
  const json& paths = doc.at("paths");
  std::set<std::string> routed;
  for (const Router::RouteInfo& route : routes) {
    const std::string name = route.method + " " + route.pattern;
    routed.insert(name);
    const std::string method = Lower(route.method);
    if (!paths.contains(route.pattern) || !paths[route.pattern].contains(method)) {
      ADD_FAILURE() << name << " is served but not in the OpenAPI document";
      continue;
    }
    const json& op = paths[route.pattern][method];
    const bool open = op.contains("security") && op["security"].empty();
    EXPECT_EQ(open, route.access == RouteAccess::kOpen) << name << ": security does not say open";
    EXPECT_EQ(op.value("x-access", "") == "operator", route.access == RouteAccess::kOperator)
        << name << ": x-access does not say operator";
  }
  for (const auto& [pattern, item] : paths.items()) {
    for (const auto& [key, op] : item.items()) {
      if (!IsMethod(key)) continue;
      EXPECT_TRUE(routed.count(Upper(key) + " " + pattern))
          << Upper(key) << " " << pattern << " is documented but not served";
    }
  }
}

void ExpectDocumentedAnswer(const json& doc, const std::string& method, const std::string& pattern,
                            const HttpResult& r) {
  const std::string name = method + " " + pattern;
  const json* op = nullptr;
  const json& paths = doc.at("paths");
  if (paths.contains(pattern) && paths[pattern].contains(Lower(method))) {
    op = &paths[pattern][Lower(method)];
  }
  ASSERT_NE(op, nullptr) << name << " is not documented";
  const std::string status = std::to_string(r.status);
  const json& responses = op->at("responses");
  if (!responses.contains(status)) {
    ADD_FAILURE() << name << " answered " << status << ", not documented: " << r.body;
    return;
  }
  const json response = Resolve(doc, responses[status]);
  if (!response.contains("content") || r.body.empty()) return;
  const std::string type = r.Header("content-type").substr(0, r.Header("content-type").find(';'));
  const json& content = response["content"];
  if (!content.contains(type)) {
    if (!content.contains("*/*")) {
      ADD_FAILURE() << name << " " << status << " answered " << type << ", not documented";
    }
    return;
  }
  const json& schema = content[type].value("schema", json::object());
  if (type.find("json") == std::string::npos) return;
  json body = r.Json();
  ASSERT_FALSE(body.is_discarded()) << name << " " << status << ": the body is not JSON";
  json root = schema;  // the schema with the document's components, where its $refs point
  root["components"] = doc.at("components");
  const Status matched = ValidateAgainstSchema(root, body);
  EXPECT_TRUE(matched.ok()) << name << " " << status << ": " << matched.message() << "\n"
                            << r.body.substr(0, 2000);
}

void ProbeDocumentedOperations(HttpClient& client, const json& doc,
                               const std::map<std::string, std::string>& values,
                               const std::set<std::string>& skip) {
  for (const auto& [pattern, item] : doc.at("paths").items()) {
    for (const auto& [key, op] : item.items()) {
      if (!IsMethod(key)) continue;
      const std::string method = Upper(key);
      if (skip.count(method + " " + pattern)) continue;
      const std::string path = FillPath(pattern, values);
      const bool has_body = method != "GET" && method != "DELETE";
      const HttpResult r = has_body
                               ? client.Send(method, path, "{}", {"Content-Type: application/json"})
                               : client.Send(method, path);
      SCOPED_TRACE(method + " " + path);
      ASSERT_NE(r.status, 0) << r.error;
      EXPECT_LT(r.status, 500) << r.body;
      if (r.status == 404 || r.status == 405) {
        EXPECT_EQ(r.body.find("no resource at"), std::string::npos) << "not routed: " << r.body;
        EXPECT_NE(r.status, 405) << r.body;
      }
      ExpectDocumentedAnswer(doc, method, pattern, r);
    }
  }
}

}  // namespace claims::testing
