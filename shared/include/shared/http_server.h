// HttpServer: serves a Router over Pistache with the behaviour every service of the product shares:
//   - a request id per request (the client's X-Request-Id if well formed, else a new nanoid),
//     echoed in the X-Request-Id response header;
//   - one JSON log line per request (request id, method, path, status, duration) and Prometheus
//     metrics (claims_http_requests_total, claims_http_request_duration_seconds);
//   - bodies over max_body_bytes answered 413, and an exception escaping a handler answered 500,
//     both in the problem+json shape; no client input reaches Pistache's own error answers;
//   - "Connection: keep-alive" unless the client asked to close (Pistache 0.0.5 would otherwise
//     answer "Connection: Close" and keep the socket open);
//   - graceful shutdown: new requests get 503 while in-flight ones finish;
//   - with an authenticator, each matched route's access checked before its handler runs, and the
//     request's principal in its log line.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "shared/api_keys.h"
#include "shared/http_router.h"
#include "shared/status.h"

namespace claims {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8000;  // 0: the kernel picks one; see HttpServer::port()
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  bool access_log = true;  // one log line per request
  // Share the port with other processes that set it too (SO_REUSEPORT): the kernel spreads new
  // connections over them. Off by default, so a second server on a taken port is an error.
  bool reuse_port = false;
  // When set, every answer carries it as X-Instance-Id (which of N instances answered).
  std::string instance_id;
  // Null: every route is open (as with AuthMode::kOff).
  std::shared_ptr<const ApiKeyAuthenticator> auth;
  // The web pages' files (shared/web_routes.h): the repository's web/ directory by default.
  std::string web_dir = CLAIMS_DEFAULT_WEB_DIR;
};

class HttpServer {
 public:
  // Binds and starts serving on background threads. `router` must outlive the server.
  // Errors: kUnavailable if the address cannot be bound (in use, bad host).
  static StatusOr<std::unique_ptr<HttpServer>> Start(const Router& router,
                                                     const HttpServerOptions& options,
                                                     prometheus::Registry& metrics);
  ~HttpServer();  // Shutdown(5 s) if not done yet
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }

  // Refuses new requests (503), waits up to `drain` for in-flight ones, then stops serving.
  // Idempotent. Not to be called from a request handler.
  void Shutdown(std::chrono::milliseconds drain);

  struct State;  // private to http_server.cc

 private:
  HttpServer() = default;
  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace claims
