// What every claimsctl command shares: the claim-service it talks to, the operator key it sends,
// and turning an answer into output or a clear error.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "shared/kafka_config.h"
#include "testing/http_client.h"

namespace claimsctl {

struct Options {
  std::string url = "http://localhost:8000";  // CLAIMS_URL
  std::string operator_key;                   // OPERATOR_API_KEY
  bool json = false;                          // print the service's JSON as it is
  std::string brokers = "localhost:9092";     // KAFKA_BOOTSTRAP_SERVERS, for the Kafka commands
};

// The librdkafka settings of the Kafka commands: the brokers, and the same KAFKA_* security
// variables the services read (README "Configuration"), so the tools reach a managed cluster.
claims::KafkaSettings KafkaSettingsOf(const Options& options);

// Exit codes: 0 done; 1 the service refused (its problem detail is printed); 2 the service
// could not be reached or answered something unreadable.
inline constexpr int kRefused = 1;
inline constexpr int kUnreachable = 2;

class Api {
 public:
  explicit Api(const Options& options);

  // Sends the request with the operator key. On a 2xx answer returns its JSON (null for an
  // empty body); otherwise prints why to stderr, sets *exit_code and returns nullopt.
  std::optional<nlohmann::json> Call(const std::string& method, const std::string& path,
                                     const nlohmann::json& body, int* exit_code);

  const Options& options() const { return options_; }

 private:
  Options options_;
  claims::testing::HttpClient http_;
};

}  // namespace claimsctl
