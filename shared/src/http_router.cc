#include "shared/http_router.h"

#include <set>

#include "shared/http_problem.h"

namespace claims {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    const size_t start = i;
    while (i < path.size() && path[i] != '/') ++i;
    if (i > start) out.emplace_back(path.substr(start, i - start));
  }
  return out;
}

bool IsCapture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(std::string method, std::string_view pattern, RouteHandler handler,
                 RouteAccess access) {
  AddAsync(
      std::move(method), pattern,
      [handler = std::move(handler)](const HttpRequest& request, const Reply& reply) {
        reply(handler(request));
      },
      access);
}

void Router::AddAsync(std::string method, std::string_view pattern, AsyncRouteHandler handler,
                      RouteAccess access) {
  routes_.push_back(
      {std::move(method), std::string(pattern), SplitPath(pattern), std::move(handler), access});
}

std::vector<Router::RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const Route& r : routes_) out.push_back({r.method, r.pattern, r.access});
  return out;
}

std::string Router::NormalizePath(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

Router::Match Router::Find(HttpRequest* request) const {
  const std::vector<std::string> parts = SplitPath(request->path);
  std::set<std::string> allowed;
  for (const Route& route : routes_) {
    if (route.segments.size() != parts.size()) continue;
    std::map<std::string, std::string> params;
    bool matched = true;
    for (size_t i = 0; i < parts.size() && matched; ++i) {
      const std::string& seg = route.segments[i];
      if (IsCapture(seg)) {
        params[seg.substr(1, seg.size() - 2)] = parts[i];
      } else {
        matched = seg == parts[i];
      }
    }
    if (!matched) continue;
    if (route.method != request->method) {
      allowed.insert(route.method);
      continue;
    }
    request->path_params = std::move(params);
    return Match{&route.handler, {}, route.pattern, route.access};
  }
  Match m;
  if (allowed.empty()) {
    m.fallback = NotFoundProblem("no resource at " + request->path);
    return m;
  }
  std::string allow;
  for (const std::string& method : allowed) allow += (allow.empty() ? "" : ", ") + method;
  m.fallback =
      Problem(405, "method-not-allowed", "Method not allowed",
              request->method + " is not allowed on " + request->path + "; allowed: " + allow)
          .WithHeader("Allow", allow);
  return m;
}

}  // namespace claims
