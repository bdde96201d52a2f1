// The policy API over real HTTP, with the mock Kafka cluster in-process: every endpoint, every
// error code, and the events each change publishes. One server for the whole binary (Pistache
// leaks descriptors per endpoint start, see docs/dependencies.md).
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <thread>

#include "claim_service/claim_service.h"
#include "shared/json_log.h"
#include "shared/mock_kafka_cluster.h"
#include "test_policies.h"
#include "test_server.h"
#include "testing/http_client.h"
#include "testing/topic_reader.h"

namespace claims {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::HttpClient;
using testing::HttpResult;
using testing::PolicyBody;

constexpr size_t kMaxBody = 64 * 1024;

ClaimServiceConfig ConfigFor(const std::string& data_dir, const std::string& bootstrap) {
  ClaimServiceConfig c = testing::TestServiceConfig(data_dir, bootstrap, "api-test");
  c.http.max_body_bytes = kMaxBody;
  return c;
}

class PolicyApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetLogLevel(LogLevel::kWarn);
    stack_ = testing::StartServiceUnderTest(3, "api-test", clock_, [](ClaimServiceConfig& c) {
               c.http.max_body_bytes = kMaxBody;
             }).release();
    ASSERT_NE(stack_, nullptr);
    cluster_ = stack_->cluster.get();
    service_ = stack_->service.get();
  }
  static void TearDownTestSuite() { delete stack_; }

  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(service_->port());
    return *client_;
  }

  // Creates a policy and returns its JSON; n varies the member numbers.
  json Create(int n) {
    HttpResult r = client().Post("/policies/", PolicyBody(n));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json();
  }

  static inline SystemClock clock_;
  static inline testing::ServiceUnderTest* stack_ = nullptr;
  static inline MockKafkaCluster* cluster_ = nullptr;
  static inline ClaimService* service_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

// A per-test-unique member number base, so tests do not collide on the member pair.
int Unique() {
  static std::atomic<int> next{1000};
  return next += 10;
}

TEST_F(PolicyApiTest, CreateGetReplaceDeleteRoundTrip) {
  const int n = Unique();
  HttpResult created = client().Post("/policies", PolicyBody(n));
  ASSERT_EQ(created.status, 201) << created.body;
  const json policy = created.Json();
  const std::string id = policy["policy_id"];
  EXPECT_EQ(id.size(), 21u);
  EXPECT_EQ(created.Header("location"), "/policies/" + id);
  EXPECT_EQ(created.Header("content-type"), "application/json");
  EXPECT_STRCASEEQ(created.Header("connection").c_str(), "keep-alive");
  EXPECT_FALSE(created.Header("x-request-id").empty());
  EXPECT_EQ(policy["policy_type"], "Health");
  EXPECT_EQ(policy["premium_amount"], "120.50");
  EXPECT_EQ(policy["status"], "Active");
  EXPECT_EQ(policy["version"], 1);

  for (const std::string& path : {"/policies/" + id, "/policies/" + id + "/"}) {
    HttpResult got = client().Get(path);
    ASSERT_EQ(got.status, 200) << path;
    EXPECT_EQ(got.Json(), policy);
  }

  json change = PolicyBody(n);
  change["policy_type"] = "CAR";
  change["premium_amount"] = 99.9;
  change["policy_id"] = id;  // echoed back as read: allowed
  change["version"] = 1;     // optimistic concurrency precondition
  HttpResult replaced = client().Put("/policies/" + id + "/", change);
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  EXPECT_EQ(replaced.Json()["policy_type"], "Car");
  EXPECT_EQ(replaced.Json()["premium_amount"], "99.90");
  EXPECT_EQ(replaced.Json()["version"], 2);

  ExpectProblem(client().Put("/policies/" + id, change), 409, "conflict");  // version 1 is stale

  HttpResult deleted = client().Delete("/policies/" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  ExpectProblem(client().Get("/policies/" + id), 404, "not-found");
  ExpectProblem(client().Delete("/policies/" + id + "/"), 404, "not-found");
}

TEST_F(PolicyApiTest, MalformedJsonIs400) {
  const std::vector<std::string> json_type = {"Content-Type: application/json"};
  ExpectProblem(client().Send("POST", "/policies", "{\"policyholder_name\": ", json_type), 400,
                "malformed-json");
  ExpectProblem(client().Send("POST", "/policies", "", {}), 400, "malformed-json");
  const json existing = Create(Unique());
  ExpectProblem(client().Send("PUT", "/policies/" + existing["policy_id"].get<std::string>(),
                              "not json", json_type),
                400, "malformed-json");
}

// A browser sends a text/plain or form body to any site without asking first, so a web page a
// developer visits could post to an instance with authentication off: JSON bodies are taken
// only under a JSON media type.
TEST_F(PolicyApiTest, JsonBodiesNeedAJsonContentType) {
  const std::string body = PolicyBody(Unique()).dump();
  for (const std::vector<std::string>& headers :
       std::vector<std::vector<std::string>>{{"Content-Type: text/plain;charset=UTF-8"},
                                             {"Content-Type: application/x-www-form-urlencoded"},
                                             {"Content-Type: multipart/form-data; boundary=x"}}) {
    const HttpResult r = client().Send("POST", "/policies", body, headers);
    ExpectProblem(r, 415, "unsupported-media-type");
    EXPECT_NE(r.Json()["detail"].get<std::string>().find("application/json"), std::string::npos)
        << r.body;
  }
  EXPECT_EQ(client()
                .Send("POST", "/policies", PolicyBody(Unique()).dump(),
                      {"Content-Type: Application/JSON; charset=utf-8"})
                .status,
            201);
  // No Content-Type at all is JSON, as FastAPI (the specifications' framework) reads it.
  // ("Content-Type:" makes curl send none; without it, curl would send a form type.)
  EXPECT_EQ(
      client().Send("POST", "/policies", PolicyBody(Unique()).dump(), {"Content-Type:"}).status,
      201);
  const json existing = Create(Unique());
  const std::string path = "/policies/" + existing["policy_id"].get<std::string>();
  ExpectProblem(
      client().Send("PATCH", path, R"({"status": "Expired"})", {"Content-Type: text/plain"}), 415,
      "unsupported-media-type");
  EXPECT_EQ(client().Patch(path, {{"status", "Expired"}}).status, 200);
}

TEST_F(PolicyApiTest, ValidationErrorsAre422ListingEveryField) {
  json body = PolicyBody(Unique());
  body["policy_type"] = "Boat";
  body["end_date"] = "2025-01-01";
  body["premium_amount"] = "12.345";
  body.erase("policyholder_name");
  body["colour"] = "blue";
  HttpResult r = client().Post("/policies", body);
  ExpectProblem(r, 422, "validation-error");
  std::set<std::string> locations;
  const json problem = r.Json();
  for (const json& e : problem["errors"]) {
    locations.insert(e["location"].get<std::string>());
    EXPECT_FALSE(e["reason"].get<std::string>().empty());
  }
  EXPECT_EQ(locations,
            (std::set<std::string>{"body.policy_type", "body.end_date", "body.premium_amount",
                                   "body.policyholder_name", "body.colour"}));
}

TEST_F(PolicyApiTest, ReplaceWithAnotherIdInTheBodyIs422) {
  const json existing = Create(Unique());
  json change = PolicyBody(Unique());
  change["policy_id"] = "someone-else";
  HttpResult r = client().Put("/policies/" + existing["policy_id"].get<std::string>(), change);
  ExpectProblem(r, 422, "validation-error");
  EXPECT_EQ(r.Json()["errors"][0]["location"], "body.policy_id");
}

TEST_F(PolicyApiTest, UnknownIdsAndPathsAre404) {
  ExpectProblem(client().Get("/policies/does-not-exist"), 404, "not-found");
  ExpectProblem(client().Put("/policies/does-not-exist", PolicyBody(Unique())), 404, "not-found");
  ExpectProblem(client().Get("/no/such/path"), 404, "not-found");
}

TEST_F(PolicyApiTest, WrongMethodIs405WithAllow) {
  HttpResult r = client().Send("POST", "/policies/abc", "{}");
  ExpectProblem(r, 405, "method-not-allowed");
  EXPECT_EQ(r.Header("allow"), "DELETE, GET, PATCH, PUT");
  ExpectProblem(client().Send("DELETE", "/policies"), 405, "method-not-allowed");
}

TEST_F(PolicyApiTest, BodyOverTheLimitIs413) {
  json body = PolicyBody(Unique());
  body["policyholder_name"] = std::string(kMaxBody, 'x');
  ExpectProblem(client().Post("/policies", body), 413, "payload-too-large");
  ExpectProblem(client().Send("POST", "/policies", std::string(kMaxBody * 3, 'y')), 413,
                "payload-too-large");
  // Past Pistache's own cap (4x) the answer is still 413, and the server keeps serving.
  HttpClient other(service_->port());
  EXPECT_EQ(other.Send("POST", "/policies", std::string(kMaxBody * 5, 'y')).status, 413);
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(PolicyApiTest, DuplicateMemberPairIs409) {
  const int n = Unique();
  Create(n);
  json twin = PolicyBody(n);
  twin["customer_id"] = "someone-else";
  ExpectProblem(client().Post("/policies", twin), 409, "conflict");
}

TEST_F(PolicyApiTest, ListFiltersAndFollowsNextLinks) {
  // Types alternate so the filter has something to drop.
  const std::string holder = "lister-" + std::to_string(Unique());
  for (int i = 0; i < 7; ++i) {
    json body = PolicyBody(Unique());
    body["policy_type"] = i % 2 == 0 ? "home" : "Life";
    body["status"] = "expired";
    body["policyholder_name"] = holder;
    ASSERT_EQ(client().Post("/policies", body).status, 201);
  }
  std::vector<json> seen;
  std::string next = "/policies/?policy_type=HOME&status=Expired&limit=2";
  int pages = 0;
  while (!next.empty() && pages < 20) {
    HttpResult page = client().Get(next);
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_TRUE(page.Json().is_array());
    for (const json& p : page.Json()) seen.push_back(p);
    const std::string link = page.Header("link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
    ++pages;
  }
  std::vector<json> mine;
  for (const json& p : seen) {
    EXPECT_EQ(p["policy_type"], "Home");
    EXPECT_EQ(p["status"], "Expired");
    if (p["policyholder_name"] == holder) mine.push_back(p);
  }
  EXPECT_EQ(mine.size(), 4u);
  std::set<std::string> ids;
  for (const json& p : seen) ids.insert(p["policy_id"].get<std::string>());
  EXPECT_EQ(ids.size(), seen.size()) << "a policy appeared on two pages";

  HttpResult offset_page = client().Get("/policies?limit=1&offset=1");
  ASSERT_EQ(offset_page.status, 200);
  EXPECT_NE(offset_page.Header("link").find("offset=2"), std::string::npos);
}

TEST_F(PolicyApiTest, QueryValuesArePercentDecoded) {
  HttpResult r = client().Get("/policies?status=Ac%74ive&policy_type=Health%20&limit=1");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(PolicyApiTest, BadListQueryIs422) {
  HttpResult r = client().Get("/policies?limit=0&status=Dormant&cursor=zzz&sort=name");
  ExpectProblem(r, 422, "validation-error");
  EXPECT_EQ(r.Json()["errors"].size(), 4u);
  ExpectProblem(client().Get("/policies?cursor=p1&offset=3"), 422, "validation-error");
}

TEST_F(PolicyApiTest, EveryChangePublishesOneEventWithKeyAndFields) {
  const int n = Unique();
  const json created = Create(n);
  const std::string id = created["policy_id"];
  json change = PolicyBody(n);
  change["status"] = "Expired";
  ASSERT_EQ(client().Put("/policies/" + id, change).status, 200);
  ASSERT_EQ(client().Delete("/policies/" + id).status, 204);

  const std::vector<std::pair<std::string, std::string>> expected = {
      {"policy-created", "POLICY_CREATED"},
      {"policy-updated", "POLICY_UPDATED"},
      {"policy-deleted", "POLICY_DELETED"}};
  std::set<std::string> event_ids;
  for (const auto& [topic, type] : expected) {
    testing::TopicReader reader(cluster_->bootstrap_servers(), topic);
    const auto mine = [&id](const std::vector<testing::ConsumedMessage>& all) {
      std::vector<testing::ConsumedMessage> out;
      for (const auto& m : all) {
        if (m.key == id) out.push_back(m);
      }
      return out;
    };
    const auto read = reader.ReadUntil([&](const auto& all) { return !mine(all).empty(); },
                                       std::chrono::seconds(20));
    const auto events = mine(read);
    ASSERT_EQ(events.size(), 1u) << topic;
    const json e = json::parse(events[0].value);
    EXPECT_EQ(e["event_type"], type);
    EXPECT_EQ(e["schema_version"], 1);
    EXPECT_EQ(e["source"]["service"], "claim-service");
    EXPECT_EQ(e["source"]["instance"], "api-test");
    EXPECT_EQ(e["customer_id"], created["customer_id"]);
    EXPECT_EQ(e["policy_details"]["policy_id"], id);
    EXPECT_EQ(e["metadata"]["source_system"], "policy-api");
    EXPECT_TRUE(e["metadata"].contains("processing_priority"));
    const std::string ts = e["event_timestamp"];
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_EQ(ts.size(), 24u) << ts;
    if (type != "POLICY_DELETED") {
      EXPECT_EQ(ts, e["policy_details"]["updated_at"]);  // the time of the change itself
    }
    EXPECT_EQ(events[0].headers.at("event_id"), e["event_id"]);
    event_ids.insert(e["event_id"].get<std::string>());
  }
  EXPECT_EQ(event_ids.size(), 3u);
}

TEST_F(PolicyApiTest, ConcurrentCreatesAllSucceedWithDistinctIds) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  const int base = Unique() * 100;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(service_->port());
      for (int i = 0; i < kEach; ++i) {
        HttpResult r = c.Post("/policies", PolicyBody(base + t * kEach + i));
        if (r.status == 201) ids[t].push_back(r.Json()["policy_id"]);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
}

TEST_F(PolicyApiTest, ConcurrentReplacesWithoutVersionAllApply) {
  const int n = Unique();
  const std::string id = Create(n)["policy_id"];
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      HttpClient c(service_->port());
      for (int i = 0; i < kEach; ++i) ok += c.Put("/policies/" + id, PolicyBody(n)).status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  EXPECT_EQ(client().Get("/policies/" + id).Json()["version"], 1 + kThreads * kEach);
}

// No client input causes a 5xx: valid bodies with fields swapped for hostile values, raw
// garbage, and odd query strings. Seeded; the seed is printed on failure.
TEST_F(PolicyApiTest, HostileInputNeverCausesA5xx) {
  const unsigned seed = ::testing::UnitTest::GetInstance()->random_seed() + 20261122u;
  std::mt19937 rng(seed);
  const std::vector<json> hostile = {nullptr,
                                     true,
                                     -1,
                                     0,
                                     1e308,
                                     -1e308,
                                     18446744073709551615ull,
                                     "",
                                     std::string(300, 'x'),
                                     json::array(),
                                     json::object(),
                                     "2026-02-30",
                                     "$-5",
                                     12.345,
                                     "\u0000",
                                     "9999-12-31",
                                     "0000-01-01",
                                     "-0.00",
                                     "1,,000",
                                     "NaN",
                                     "Infinity",
                                     json::array({1, 2}),
                                     json{{"nested", json{{"deeper", 1}}}},
                                     "Ω≈ç√∫",
                                     " ",
                                     "1e3",
                                     "0x10"};
  const int n = Unique();
  const std::string existing = Create(n)["policy_id"];
  for (int i = 0; i < 300; ++i) {
    json body = PolicyBody(Unique());
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes; ++c) {
      auto it = body.begin();
      std::advance(it, rng() % body.size());
      *it = hostile[rng() % hostile.size()];
    }
    const HttpResult created = client().Post("/policies", body);
    ASSERT_GT(created.status, 0) << created.error;
    ASSERT_LT(created.status, 500)
        << "seed " << seed << " body " << body.dump() << " -> " << created.body;
    const HttpResult replaced = client().Put("/policies/" + existing, body);
    ASSERT_LT(replaced.status, 500)
        << "seed " << seed << " body " << body.dump() << " -> " << replaced.body;
  }
  // Invalid UTF-8 inside an otherwise well-formed body.
  std::string bad_utf8 = PolicyBody(Unique()).dump();
  bad_utf8.replace(bad_utf8.find("Holder"), 6, "\xff\xfe\xc3");
  EXPECT_EQ(client().Send("POST", "/policies", bad_utf8, {"Content-Type: application/json"}).status,
            400);
  for (int i = 0; i < 100; ++i) {
    std::string garbage(rng() % 200, '\0');
    for (char& ch : garbage) ch = static_cast<char>(rng() % 256);
    const HttpResult r = client().Send("POST", "/policies", garbage);
    ASSERT_GT(r.status, 0) << r.error;
    ASSERT_LT(r.status, 500) << "seed " << seed;
  }
  for (const char* query :
       {"?limit=99999999999999999999", "?limit=-1", "?offset=1e9", "?cursor=p", "?cursor=p-1",
        "?cursor=p99999999999999999999", "?status=%00", "?policy_type=", "?limit=10&limit=20",
        "?=x", "?&&&", "?offset=", "?cursor=p1&status=active"}) {
    const HttpResult r = client().Get(std::string("/policies") + query);
    ASSERT_GT(r.status, 0) << r.error;
    EXPECT_LT(r.status, 500) << query << " -> " << r.body;
  }
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

TEST_F(PolicyApiTest, HealthReadinessAndMetrics) {
  HttpResult health = client().Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.Json()["status"], "ok");
  HttpResult ready = client().Get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.Json()["checks"]["database"], "ok");
  EXPECT_EQ(ready.Json()["checks"]["broker"], "ok");
  Create(Unique());
  HttpResult metrics = client().Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("claims_http_requests_total{"), std::string::npos);
  EXPECT_NE(metrics.body.find("route=\"/policies\""), std::string::npos);
  EXPECT_NE(metrics.body.find("claims_events_delivered_total"), std::string::npos);
}

TEST_F(PolicyApiTest, RequestIdIsEchoedWhenWellFormed) {
  HttpResult r = client().Send("GET", "/healthz", "", {"X-Request-Id: trace-123"});
  EXPECT_EQ(r.Header("x-request-id"), "trace-123");
  HttpResult odd = client().Send("GET", "/healthz", "", {"X-Request-Id: has spaces!"});
  EXPECT_EQ(odd.Header("x-request-id").size(), 21u);
}

TEST_F(PolicyApiTest, ClientAskingToCloseGetsClose) {
  HttpResult r = client().Send("GET", "/healthz", "", {"Connection: close"});
  EXPECT_EQ(r.status, 200);
  EXPECT_STRCASEEQ(r.Header("connection").c_str(), "close");
}

// A second instance on its own data directory: stop it, start another on the same files.
TEST_F(PolicyApiTest, PoliciesSurviveARestart) {
  const std::string dir = testing::TestDirectory();
  std::string id;
  {
    auto first = ClaimService::Start(ConfigFor(dir, cluster_->bootstrap_servers()), clock_);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    HttpClient c((*first)->port());
    HttpResult r = c.Post("/policies", PolicyBody(Unique()));
    ASSERT_EQ(r.status, 201);
    id = r.Json()["policy_id"];
    (*first)->Shutdown(std::chrono::seconds(2));
  }
  auto second = ClaimService::Start(ConfigFor(dir, cluster_->bootstrap_servers()), clock_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  HttpClient c((*second)->port());
  HttpResult r = c.Get("/policies/" + id);
  EXPECT_EQ(r.status, 200) << r.body;
}

}  // namespace
}  // namespace claims
