#include "api.h"

#include <unistd.h>

#include <iostream>

namespace claimsctl {

claims::KafkaSettings KafkaSettingsOf(const Options& options) {
  claims::KafkaSettings settings;
  settings.bootstrap_servers = options.brokers;
  settings.client_id = "claimsctl";
  settings.properties = claims::KafkaPropertiesFromEnvironment(environ);
  return settings;
}

Api::Api(const Options& options) : options_(options), http_(options.url) {}

std::optional<nlohmann::json> Api::Call(const std::string& method, const std::string& path,
                                        const nlohmann::json& body, int* exit_code) {
  std::vector<std::string> headers;
  if (!options_.operator_key.empty()) {
    headers.push_back("Authorization: Bearer " + options_.operator_key);
  }
  if (!body.is_null()) headers.push_back("Content-Type: application/json");
  const claims::testing::HttpResult r =
      http_.Send(method, path, body.is_null() ? "" : body.dump(), headers);
  if (r.status == 0) {
    std::cerr << "claimsctl: cannot reach " << options_.url << ": " << r.error
              << " (set --url or CLAIMS_URL)\n";
    *exit_code = kUnreachable;
    return std::nullopt;
  }
  nlohmann::json answer = r.body.empty() ? nlohmann::json() : r.Json();
  if (r.status >= 200 && r.status < 300) {
    if (answer.is_discarded()) {
      std::cerr << "claimsctl: " << method << " " << path << " answered " << r.status
                << " with a body that is not JSON\n";
      *exit_code = kUnreachable;
      return std::nullopt;
    }
    return answer;
  }
  std::string why =
      answer.is_object() ? answer.value("detail", answer.value("title", r.body)) : r.body;
  if (answer.is_object() && answer.contains("errors")) {
    for (const auto& e : answer["errors"]) {
      why += "\n  " + e.value("location", std::string()) + ": " + e.value("reason", std::string());
    }
  }
  std::cerr << "claimsctl: " << method << " " << path << ": " << r.status << " " << why << "\n";
  if (r.status == 401 && options_.operator_key.empty()) {
    std::cerr << "  the service requires a key: set OPERATOR_API_KEY (bash develop_local.sh "
                 "claimsctl reads data/operator_api_key)\n";
  }
  *exit_code = r.status >= 500 ? kUnreachable : kRefused;
  return std::nullopt;
}

}  // namespace claimsctl
