// The HTTP request and response as route handlers see them: plain values, no Pistache types, so
// handlers are tested without a server.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace claims {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, trailing '/' removed (except "/")
  std::map<std::string, std::string> query;        // last value wins for a repeated name
  std::map<std::string, std::string> path_params;  // "{policy_id}" -> value
  std::map<std::string, std::string> headers;      // names lower-cased
  std::string body;
  std::string request_id;
  std::string client;  // the peer's address, for rate limits and logs

  // A header's value by lower-case name.
  std::optional<std::string> Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, sent as given

  HttpResponse& WithHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

using RouteHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace claims
