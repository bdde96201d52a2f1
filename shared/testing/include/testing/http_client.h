// A blocking HTTP/1.1 client over libcurl (tests, claims-load, claimsctl, claim-service's
// questions to payment-service): one keep-alive connection per client. Not thread-safe: one
// client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace claims::testing {

struct HttpResult {
  long status = 0;  // 0 when the request could not be sent
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string error;                           // curl's message when status is 0

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

// The value of one series in a Prometheus text answer ("claims_saga_claims{state=\"PAID\"}"),
// or -1 when it is not there.
inline double MetricValue(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::strtod(text.c_str() + at + series.size() + 2, nullptr);
}

class HttpClient {
 public:
  explicit HttpClient(uint16_t port, const std::string& host = "127.0.0.1");
  // `base_url` is "http://host:port" (a trailing '/' is dropped); paths are appended to it.
  // A request that takes longer than `timeout` (connecting included) fails with status 0.
  explicit HttpClient(std::string base_url,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Send(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::vector<std::string>& headers = {});
  HttpResult Get(const std::string& path) { return Send("GET", path); }
  HttpResult Post(const std::string& path, const nlohmann::json& body) {
    return Send("POST", path, body.dump(), {"Content-Type: application/json"});
  }
  HttpResult Put(const std::string& path, const nlohmann::json& body) {
    return Send("PUT", path, body.dump(), {"Content-Type: application/json"});
  }
  HttpResult Patch(const std::string& path, const nlohmann::json& body,
                   const std::string& content_type = "application/merge-patch+json") {
    return Send("PATCH", path, body.dump(), {"Content-Type: " + content_type});
  }
  HttpResult Delete(const std::string& path) { return Send("DELETE", path); }

 private:
  std::string base_;
  std::chrono::milliseconds timeout_{std::chrono::seconds(30)};
  void* curl_;
};

}  // namespace claims::testing
