// The HTTP request and response as route handlers see them: plain values, no Pistache types, so
// handlers are tested without a server.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace claims {

// Who a route admits when authentication is required (shared/api_keys.h): kOpen, anyone (probes);
// kTenant, any valid key, a provider's or the operator's; kOperator, the operator key only.
enum class RouteAccess { kOpen, kTenant, kOperator };

// Who sent a request, as the authenticator decided. With authentication off nobody is checked
// and every request is unrestricted.
struct Principal {
  std::string key_id;                   // "operator", a provider key's id, or "" (auth off)
  std::optional<std::string> provider;  // set for a provider's key: it sees only its own data

  // A label for logs and rate limits: "operator", "provider:saa/key:Ab12..." or "".
  std::string Label() const {
    if (!provider) return key_id;
    return "provider:" + *provider + "/key:" + key_id;
  }
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, trailing '/' removed (except "/")
  std::map<std::string, std::string> query;        // last value wins for a repeated name
  std::map<std::string, std::string> path_params;  // "{policy_id}" -> value
  std::map<std::string, std::string> headers;      // names lower-cased
  std::string body;
  std::string request_id;
  std::string client;   // the peer's address, for rate limits and logs
  Principal principal;  // set by the server before the handler runs

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

// Sends the answer to a request. Call it once, from any thread; a second call is ignored.
using Reply = std::function<void(HttpResponse)>;
// A handler that may answer later, from another thread (a journal's completion thread, once a
// write is durable): it starts the work, hands `reply` on and returns. The request it is given
// stays valid until `reply` has been called. A handler that drops `reply` without calling it
// gets a 500 sent for it.
using AsyncRouteHandler = std::function<void(const HttpRequest&, Reply)>;

// Runs `start` with a Reply and waits until it is called: an asynchronous handler used where
// the caller needs the answer itself (a consumer that turns messages into requests).
inline HttpResponse WaitForAnswer(const std::function<void(Reply)>& start) {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> answered = answer->get_future();
  start([answer](HttpResponse response) { answer->set_value(std::move(response)); });
  return answered.get();
}

}  // namespace claims
