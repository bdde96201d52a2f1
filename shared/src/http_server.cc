#include "shared/http_server.h"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/nanoid.h"
#include "shared/url.h"

namespace claims {
namespace {

using namespace Pistache;

// A response header with a name chosen at run time. Pistache 0.0.5 drops raw response headers
// (headers().addRaw), so every header we send goes through a typed Header like this one.
class NamedHeader final : public Http::Header::Header {
 public:
  NamedHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
  uint64_t hash() const override { return Http::Header::detail::hash(name_.c_str()); }

 private:
  std::string name_;
  std::string value_;
};

std::string RequestIdFor(const std::optional<std::string>& given) {
  return given && IsSafeId(*given, 64) ? *given : NewNanoid();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

struct HttpServer::State {
  const Router* router = nullptr;
  HttpServerOptions options;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* durations = nullptr;
  std::unique_ptr<Http::Endpoint> endpoint;
  // Held shared by each send and exclusively while the endpoint stops: a ResponseWriter points
  // into the endpoint's transport, so an answer that comes after the endpoint is gone (a
  // handler that answered after the drain's deadline) is dropped instead.
  std::shared_mutex sending;
  bool closed = false;  // guarded by `sending`
};

namespace {

// One request from its arrival to its answer. The handler's Reply owns it, so a handler may
// answer from another thread after onRequest has returned (Pistache's ResponseWriter moves).
class Exchange {
 public:
  Exchange(std::shared_ptr<HttpServer::State> state, Http::ResponseWriter writer)
      : state_(std::move(state)), writer_(std::move(writer)) {
    ++state_->in_flight;
  }
  ~Exchange() {
    if (!answered_.load()) {
      // A handler lost its Reply without answering: the client still gets an answer.
      Log(LogLevel::kError, "a request handler dropped its request without answering",
          {{"request_id", request.request_id}, {"path", request.path}});
      Answer(ProblemFromStatus(Internal("the request was dropped without an answer")));
    }
  }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  HttpRequest request;
  std::string pattern;
  bool close = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  // Sends `response` the first time; later calls are ignored. Any thread.
  void Answer(HttpResponse response) {
    if (answered_.exchange(true)) {
      Log(LogLevel::kWarn, "a request was answered twice; the second answer is dropped",
          {{"request_id", request.request_id}, {"status", response.status}});
      return;
    }
    HttpServer::State& state = *state_;
    try {
      std::shared_lock lock(state.sending);
      if (state.closed) {
        Log(LogLevel::kWarn, "an answer came after the server stopped; dropped",
            {{"request_id", request.request_id}, {"status", response.status}});
      } else {
        Send(std::move(response));
      }
    } catch (const std::exception& e) {
      // The peer went away mid-answer, or a metric could not be recorded: nothing to answer.
      Log(LogLevel::kWarn, "could not send the answer",
          {{"request_id", request.request_id}, {"error", e.what()}});
    }
    --state.in_flight;
  }

 private:
  void Send(HttpResponse response) {
    HttpServer::State& state = *state_;
    const bool close_now = close || state.draining.load();
    auto& headers = writer_.headers();
    if (!(response.status == 204 && response.body.empty())) {
      headers.add(std::make_shared<NamedHeader>("Content-Type", response.content_type));
    }
    for (auto& [name, value] : response.headers) {
      headers.add(std::make_shared<NamedHeader>(std::move(name), std::move(value)));
    }
    headers.add(std::make_shared<NamedHeader>("X-Request-Id", request.request_id));
    if (!state.options.instance_id.empty()) {
      headers.add(std::make_shared<NamedHeader>("X-Instance-Id", state.options.instance_id));
    }
    // Pistache has already put its own Connection header (Close when the request had none) in
    // the collection, and add() does not replace: remove it first.
    headers.remove<Http::Header::Connection>();
    headers.add<Http::Header::Connection>(close_now ? Http::ConnectionControl::Close
                                                    : Http::ConnectionControl::KeepAlive);
    writer_.send(static_cast<Http::Code>(response.status), response.body);

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string route = pattern.empty() ? "unmatched" : pattern;
    state.requests
        ->Add({{"method", request.method},
               {"route", route},
               {"status", std::to_string(response.status)}})
        .Increment();
    state.durations
        ->Add({{"route", route}},
              prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05, 0.1, 0.25, 0.5, 1, 2.5})
        .Observe(seconds);
    if (state.options.access_log) {
      // Probes answer every few seconds (container health checks, load balancers, scrapers):
      // their successes are logged at debug level only, so they do not bury the requests.
      const bool probe = route == "/healthz" || route == "/readyz" || route == "/metrics";
      Log(probe && response.status < 400 ? LogLevel::kDebug : LogLevel::kInfo, "request",
          {{"request_id", request.request_id},
           {"method", request.method},
           {"path", request.path},
           {"status", response.status},
           {"duration_ms", seconds * 1000.0},
           {"client", request.client},
           {"principal", request.principal.Label()}});
    }
  }

  std::shared_ptr<HttpServer::State> state_;
  Http::ResponseWriter writer_;
  std::atomic<bool> answered_{false};
};

class PistacheHandler final : public Http::Handler {
 public:
  HTTP_PROTOTYPE(PistacheHandler)

  explicit PistacheHandler(std::shared_ptr<HttpServer::State> state) : state_(std::move(state)) {}

  void onRequest(const Http::Request& pistache_request, Http::ResponseWriter writer) override {
    auto exchange = std::make_shared<Exchange>(state_, std::move(writer));
    try {
      exchange->close = ClientAsksToClose(pistache_request);
      exchange->request = Convert(pistache_request);
      Handle(exchange);
    } catch (const std::exception& e) {
      // Nothing throws out of a handler: answer in our shape and keep the detail in the log.
      Log(LogLevel::kError, "unhandled exception in request handler",
          {{"request_id", exchange->request.request_id}, {"error", e.what()}});
      exchange->Answer(ProblemFromStatus(Internal(e.what())));
    }
  }

 private:
  HttpRequest Convert(const Http::Request& in) const {
    HttpRequest r;
    r.method = Http::methodString(in.method());
    r.path = Router::NormalizePath(in.resource());
    for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
      // Pistache hands query strings over still percent-encoded.
      r.query[DecodeQueryComponent(it->first)] = DecodeQueryComponent(it->second);
    }
    for (const auto& [name, raw] : in.headers().rawList()) r.headers[Lower(name)] = raw.value();
    if (auto ct = in.headers().tryGet<Http::Header::ContentType>()) {
      r.headers["content-type"] = ct->mime().toString();
    }
    r.body = in.body();
    r.request_id = RequestIdFor(r.Header("x-request-id"));
    r.client = in.address().host();
    return r;
  }

  void Handle(const std::shared_ptr<Exchange>& exchange) const {
    HttpServer::State& state = *state_;
    HttpRequest* request = &exchange->request;
    if (state.draining.load()) {
      exchange->Answer(
          Problem(503, "unavailable", "Service unavailable", "the instance is shutting down")
              .WithHeader("Retry-After", "1"));
      return;
    }
    if (request->body.size() > state.options.max_body_bytes) {
      exchange->Answer(Problem(413, "payload-too-large", "Payload too large",
                               "the body has " + std::to_string(request->body.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(state.options.max_body_bytes)));
      return;
    }
    Router::Match match = state.router->Find(request);
    if (match.handler == nullptr) {
      exchange->Answer(std::move(match.fallback));
      return;
    }
    exchange->pattern = std::move(match.pattern);
    if (state.options.auth) {
      if (auto refused = state.options.auth->Authorize(request, match.access)) {
        exchange->Answer(std::move(*refused));
        return;
      }
    }
    (*match.handler)(*request,
                     [exchange](HttpResponse response) { exchange->Answer(std::move(response)); });
  }

  static bool ClientAsksToClose(const Http::Request& in) {
    auto connection = in.headers().tryGet<Http::Header::Connection>();
    return connection && connection->control() == Http::ConnectionControl::Close;
  }

  std::shared_ptr<HttpServer::State> state_;
};

}  // namespace

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const Router& router,
                                                        const HttpServerOptions& options,
                                                        prometheus::Registry& metrics) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto state = std::make_shared<State>();
  state->router = &router;
  state->options = options;
  state->requests = &prometheus::BuildCounter()
                         .Name("claims_http_requests_total")
                         .Help("HTTP requests answered, by method, route and status")
                         .Register(metrics);
  state->durations = &prometheus::BuildHistogram()
                          .Name("claims_http_request_duration_seconds")
                          .Help("Time from a request's arrival to its answer, by route")
                          .Register(metrics);
  try {
    const Address address(options.host, Port(options.port));
    state->endpoint = std::make_unique<Http::Endpoint>(address);
    // Pistache refuses a request larger than maxRequestSize itself, with a plain-text 413 and
    // a connection it does not reset. Its cap is set at 4x the body limit (plus headers) so that
    // bodies over our limit are refused by Handle() in the problem shape; only bodies over 4x
    // meet Pistache's answer (still a 413). Buffers grow with the request; nothing is reserved.
    auto opts =
        Http::Endpoint::options()
            .threads(options.threads)
            .flags(options.reuse_port ? Tcp::Options::ReuseAddr | Tcp::Options::ReusePort
                                      : Tcp::Options::ReuseAddr)
            .maxRequestSize(static_cast<size_t>(options.max_body_bytes) * 4 + size_t{16} * 1024)
            .maxResponseSize(size_t{64} * 1024 * 1024);
    state->endpoint->init(opts);
    state->endpoint->setHandler(std::make_shared<PistacheHandler>(state));
    // serveThreaded() binds; an explicit bind() first would bind a second socket.
    state->endpoint->serveThreaded();
    server->port_ = static_cast<uint16_t>(state->endpoint->getPort());
  } catch (const std::exception& e) {
    return Unavailable("cannot serve HTTP on " + options.host + ":" + std::to_string(options.port) +
                       ": " + e.what());
  }
  server->state_ = std::move(state);
  return server;
}

HttpServer::~HttpServer() { Shutdown(std::chrono::seconds(5)); }

void HttpServer::Shutdown(std::chrono::milliseconds drain) {
  if (!state_ || state_->stopped.exchange(true)) return;
  state_->draining = true;
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (state_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (state_->in_flight.load() > 0) {
    Log(LogLevel::kWarn, "shutting down with requests still in flight",
        {{"in_flight", state_->in_flight.load()}});
  } else {
    // An answer sent from another thread (the journal's completion thread) is queued for the
    // transport's thread, which writes it a moment later: give it that moment before the
    // transport stops. (Counting the write's own promise instead is not possible: attaching to a
    // Pistache 0.0.5 promise races with its resolution on the transport thread, TSan showed.)
    std::this_thread::sleep_until(
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
  }
  {
    // No answer is sent from here on (the endpoint's threads may be the ones answering, so the
    // lock is not held while they stop).
    std::unique_lock closing(state_->sending);
    state_->closed = true;
  }
  try {
    state_->endpoint->shutdown();
  } catch (const std::exception& e) {
    Log(LogLevel::kWarn, "http shutdown failed", {{"error", e.what()}});
  }
  // The endpoint owns the handlers and each handler shares this state: drop the endpoint to
  // break the cycle.
  state_->endpoint.reset();
}

}  // namespace claims
