// Router: matches (method, path) to a RouteHandler. Patterns are literal segments and
// "{name}" captures ("/policies/{policy_id}"). A path matches with or without one trailing '/'.
// Unknown paths answer 404 and known paths with another method 405 (with Allow), both as problems.
//
// Thread-safety: Add only before serving; Dispatch is then safe from any thread (read-only).
// Pistache's own Rest::Router is not used: in 0.0.5 it races with more than one thread and
// answers 404/405 in its own shape (see docs/dependencies.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shared/http_types.h"

namespace claims {

class Router {
 public:
  // `access` says who may call the route when authentication is required.
  void Add(std::string method, std::string_view pattern, RouteHandler handler,
           RouteAccess access = RouteAccess::kTenant);
  // The same for a handler that answers through its Reply, possibly later.
  void AddAsync(std::string method, std::string_view pattern, AsyncRouteHandler handler,
                RouteAccess access = RouteAccess::kTenant);

  // Finds the route for request.method and request.path, fills request->path_params and returns
  // its handler and pattern; otherwise returns a 404/405 handler and "" as the pattern.
  struct Match {
    const AsyncRouteHandler* handler = nullptr;  // null: see `fallback`
    HttpResponse fallback;
    std::string pattern;
    RouteAccess access = RouteAccess::kOpen;  // the route's; kOpen for the fallback
  };
  Match Find(HttpRequest* request) const;

  // Every route as added (for the OpenAPI document's test and tools).
  struct RouteInfo {
    std::string method;
    std::string pattern;
    RouteAccess access;
  };
  std::vector<RouteInfo> Routes() const;

  // "/policies/" -> "/policies"; "/" stays.
  static std::string NormalizePath(std::string_view path);

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    AsyncRouteHandler handler;
    RouteAccess access;
  };
  std::vector<Route> routes_;
};

}  // namespace claims
