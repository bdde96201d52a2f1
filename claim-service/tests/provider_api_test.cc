// Providers as tenants over real HTTP, with the mock Kafka cluster in-process and authentication
// required: the operator's provider management, each key kind's answers, two providers isolated
// both ways, rotation and revocation, and claims arriving on a provider's topic (taken once,
// dead-lettered when unusable, their changes on the provider's updated topic), and the dead
// letters read and re-driven over HTTP.
#include <gtest/gtest.h>

#include <thread>

#include "claim_service/claim_service.h"
#include "shared/json_log.h"
#include "shared/kafka_publisher.h"
#include "shared/topic_catalog.h"
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

constexpr const char* kOperatorKey = "op-key-for-the-provider-tests-0123456789";

class ProviderApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetLogLevel(LogLevel::kError);
    stack_ =
        testing::StartServiceUnderTest(1, "provider-api-test", clock_, [](ClaimServiceConfig& c) {
          c.fsync = wal::FsyncPolicy::kNone;
          c.auth = {AuthMode::kRequired, kOperatorKey};
        }).release();
    ASSERT_NE(stack_, nullptr);
  }
  static void TearDownTestSuite() { delete stack_; }

  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(stack_->service->port());
    return *client_;
  }

  HttpResult Call(const std::string& key, const std::string& method, const std::string& path,
                  const json& body = nullptr, std::vector<std::string> headers = {}) {
    if (!key.empty()) headers.push_back("Authorization: Bearer " + key);
    if (!body.is_null()) headers.push_back("Content-Type: application/json");
    return client().Send(method, path, body.is_null() ? "" : body.dump(), headers);
  }
  HttpResult AsOperator(const std::string& method, const std::string& path,
                        const json& body = nullptr) {
    return Call(kOperatorKey, method, path, body);
  }

  // Creates provider `name` and returns its first key.
  std::string CreateProvider(const std::string& name) {
    HttpResult r = AsOperator("POST", "/admin/providers", {{"name", name}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("api_key", "");
  }

  // A policy for member (S-n, G-1), created by the operator.
  void CreatePolicy(int n) {
    HttpResult r = AsOperator("POST", "/policies", testing::PolicyBody(n));
    EXPECT_EQ(r.status, 201) << r.body;
  }

  static json ClaimBody(int member, const std::string& npi) {
    return {{"service_date", "2026-03-28"}, {"submitted_procedure", "D0120"},
            {"plan_group_number", "G-1"},   {"subscriber_number", "S-" + std::to_string(member)},
            {"provider_npi", npi},          {"provider_fees", "100.00"},
            {"allowed_fees", "20.00"},      {"member_coinsurance", "5.50"},
            {"member_copay", "0.00"}};
  }

  static std::vector<std::string> Ids(const HttpResult& list) {
    std::vector<std::string> ids;
    for (const json& c : list.Json()) ids.push_back(c.value("claim_id", ""));
    return ids;
  }

  // Publishes `value` on `topic` (key `key`) with the given headers.
  static void Publish(const std::string& topic, const std::string& key, const std::string& value,
                      std::vector<std::pair<std::string, std::string>> headers) {
    prometheus::Registry metrics;
    KafkaSettings settings;
    settings.bootstrap_servers = stack_->cluster->bootstrap_servers();
    auto producer = KafkaEventPublisher::Create(settings, metrics);
    ASSERT_TRUE(producer.ok());
    const std::vector<OutgoingEvent> events = {
        {topic, key, "test-" + key, value, std::move(headers)}};
    ASSERT_TRUE((*producer)->PublishAll(events, std::chrono::seconds(10)).ok());
  }

  // Waits until `done` holds for the provider's claim list, up to 60 s (the intake consumer
  // finds a new provider's topic within a metadata refresh and a rebalance).
  HttpResult WaitForClaims(const std::string& key, const std::function<bool(const json&)>& done) {
    HttpResult r;
    for (int i = 0; i < 600; ++i) {
      r = Call(key, "GET", "/claims?limit=100");
      if (r.status == 200 && done(r.Json())) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

  static inline ManualClock clock_{std::chrono::system_clock::now()};
  static inline testing::ServiceUnderTest* stack_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ProviderApiTest, ProbesAreOpenAndEverythingElseNeedsAKnownKey) {
  for (const char* probe : {"/healthz", "/readyz", "/metrics"}) {
    EXPECT_NE(client().Get(probe).status, 401) << probe;
  }
  for (const auto& [method, path] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/claims"},
                                                        {"GET", "/policies"},
                                                        {"POST", "/admin/snapshot"},
                                                        {"GET", "/admin/providers"},
                                                        {"GET", "/top-provider-npis"}}) {
    HttpResult none = Call("", method, path);
    ExpectProblem(none, 401, "unauthorized");
    EXPECT_EQ(none.Header("www-authenticate").rfind("Bearer", 0), 0u) << path;
    HttpResult unknown = Call("ak_saa_AAAAAAAAAAAA_" + std::string(43, 'A'), method, path);
    ExpectProblem(unknown, 401, "unauthorized");
    EXPECT_NE(unknown.Header("www-authenticate").find("invalid_token"), std::string::npos);
  }
  EXPECT_EQ(client().Send("GET", "/claims", "", {std::string("X-API-Key: ") + kOperatorKey}).status,
            200);
}

TEST_F(ProviderApiTest, OperatorManagesProvidersAndAKeyIsShownOnce) {
  HttpResult created = AsOperator("POST", "/admin/providers", {{"name", "saa"}});
  ASSERT_EQ(created.status, 201) << created.body;
  const json body = created.Json();
  EXPECT_EQ(body["name"], "saa");
  EXPECT_EQ(body["api_key"].get<std::string>().rfind("ak_saa_", 0), 0u);
  EXPECT_EQ(body["topics"]["submitted"], "saa-claim.submitted");
  EXPECT_EQ(body["topics"]["updated"], "saa-claim.updated");
  EXPECT_EQ(body["topics"]["dead_letters"], "saa-claim.submitted.dlq");
  EXPECT_EQ(created.Header("location"), "/admin/providers/saa");
  EXPECT_EQ(created.Header("cache-control"), "no-store");

  HttpResult list = AsOperator("GET", "/admin/providers");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.find(body["api_key"].get<std::string>()), std::string::npos);
  EXPECT_EQ(list.body.find("hash"), std::string::npos);
  HttpResult one = AsOperator("GET", "/admin/providers/saa");
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.Json()["keys"].size(), 1u);
  EXPECT_EQ(one.Json()["keys"][0]["key_id"], body["key_id"]);
  EXPECT_TRUE(one.Json()["keys"][0]["revoked_at"].is_null());

  ExpectProblem(AsOperator("POST", "/admin/providers", {{"name", "saa"}}), 409, "conflict");
  for (const json& bad : {json{{"name", "SAA"}}, json{{"name", "s"}}, json{{"nom", "saa"}},
                          json{{"name", 7}}, json::array()}) {
    ExpectProblem(AsOperator("POST", "/admin/providers", bad), 422, "validation-error");
  }
  ExpectProblem(AsOperator("GET", "/admin/providers/nobody"), 404, "not-found");
  ExpectProblem(AsOperator("POST", "/admin/providers/nobody/keys"), 404, "not-found");

  // The topics exist on the cluster.
  for (const char* topic : {"saa-claim.submitted", "saa-claim.updated"}) {
    EXPECT_NO_THROW(testing::TopicReader(stack_->cluster->bootstrap_servers(), topic)) << topic;
  }
}

TEST_F(ProviderApiTest, ProvidersSeeOnlyTheirOwnClaimsAndCannotManage) {
  const std::string a = CreateProvider("alpha");
  const std::string b = CreateProvider("beta");
  CreatePolicy(501);
  HttpResult mine = Call(a, "POST", "/claims", ClaimBody(501, "1111111111"));
  ASSERT_EQ(mine.status, 201) << mine.body;
  const std::string id = mine.Json()["claim_id"];
  EXPECT_EQ(mine.Json()["provider"], "alpha");
  HttpResult theirs = Call(b, "POST", "/claims", ClaimBody(501, "2222222222"));
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  const std::string other = theirs.Json()["claim_id"];

  EXPECT_EQ(Call(a, "GET", "/claims/" + id).status, 200);
  EXPECT_EQ(Call(a, "GET", "/claims/" + id + "/history").status, 200);
  // Another provider's claim does not exist for b: the same 404 as an unknown id.
  for (const std::string& path : {"/claims/" + id, "/claims/" + id + "/history"}) {
    HttpResult hidden = Call(b, "GET", path);
    ExpectProblem(hidden, 404, "not-found");
    HttpResult unknown = Call(b, "GET", "/claims/no-such-claim" + path.substr(7 + id.size()));
    EXPECT_EQ(hidden.Json()["title"], unknown.Json()["title"]);
  }
  ExpectProblem(Call(b, "POST", "/claims/" + id + "/cancel"), 404, "not-found");

  const std::vector<std::string> a_ids = Ids(Call(a, "GET", "/claims?limit=500"));
  EXPECT_NE(std::find(a_ids.begin(), a_ids.end(), id), a_ids.end());
  EXPECT_EQ(std::find(a_ids.begin(), a_ids.end(), other), a_ids.end());
  EXPECT_TRUE(Call(a, "GET", "/claims?provider=beta").Json().empty());
  const std::vector<std::string> all = Ids(AsOperator("GET", "/claims?limit=500"));
  EXPECT_NE(std::find(all.begin(), all.end(), other), all.end());
  EXPECT_EQ(Ids(AsOperator("GET", "/claims?provider=beta&limit=500")),
            std::vector<std::string>{other});

  HttpResult top = Call(a, "GET", "/top-provider-npis");
  ASSERT_EQ(top.status, 200) << top.body;
  for (const json& row : top.Json()) EXPECT_EQ(row["provider_npi"], "1111111111");

  // Provider keys cannot reach operator routes; reading policies is fine, changing them is not.
  ExpectProblem(Call(a, "GET", "/admin/providers"), 403, "forbidden");
  ExpectProblem(Call(a, "POST", "/admin/providers", {{"name", "mallory"}}), 403, "forbidden");
  ExpectProblem(Call(a, "POST", "/admin/snapshot"), 403, "forbidden");
  ExpectProblem(Call(a, "POST", "/claims/" + id + "/retry"), 403, "forbidden");
  ExpectProblem(Call(a, "POST", "/policies", testing::PolicyBody(502)), 403, "forbidden");
  EXPECT_EQ(Call(a, "GET", "/policies").status, 200);
}

TEST_F(ProviderApiTest, IdempotencyKeysBelongToTheirProvider) {
  const std::string a = CreateProvider("gamma");
  const std::string b = CreateProvider("delta");
  CreatePolicy(511);
  const json body = ClaimBody(511, "3333333333");
  HttpResult first = Call(a, "POST", "/claims", body, {"Idempotency-Key: same-key"});
  HttpResult again = Call(a, "POST", "/claims", body, {"Idempotency-Key: same-key"});
  HttpResult other = Call(b, "POST", "/claims", body, {"Idempotency-Key: same-key"});
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.Json()["claim_id"], first.Json()["claim_id"]);
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(other.Header("idempotent-replayed"), "");
  EXPECT_NE(other.Json()["claim_id"], first.Json()["claim_id"]);
  EXPECT_EQ(other.Json()["provider"], "delta");
}

TEST_F(ProviderApiTest, RotatedKeyWorksUntilRevokedAndRemovalRevokesEveryKey) {
  const std::string first = CreateProvider("epsilon");
  HttpResult issued = AsOperator("POST", "/admin/providers/epsilon/keys");
  ASSERT_EQ(issued.status, 201) << issued.body;
  const json rotation = issued.Json();
  const std::string second = rotation["api_key"];
  std::string first_id;
  for (const json& k : rotation["keys"]) {
    if (k["key_id"] != rotation["key_id"]) first_id = k["key_id"].get<std::string>();
  }
  EXPECT_EQ(rotation["keys"].size(), 2u);
  EXPECT_EQ(first.rfind("ak_epsilon_" + first_id + "_", 0), 0u);
  EXPECT_EQ(Call(first, "GET", "/claims").status, 200);
  EXPECT_EQ(Call(second, "GET", "/claims").status, 200);

  EXPECT_EQ(AsOperator("DELETE", "/admin/providers/epsilon/keys/" + first_id).status, 204);
  ExpectProblem(Call(first, "GET", "/claims"), 401, "unauthorized");
  EXPECT_EQ(Call(second, "GET", "/claims").status, 200);
  ExpectProblem(AsOperator("DELETE", "/admin/providers/epsilon/keys/nokey"), 404, "not-found");

  EXPECT_EQ(AsOperator("DELETE", "/admin/providers/epsilon").status, 204);
  ExpectProblem(Call(second, "GET", "/claims"), 401, "unauthorized");
  HttpResult removed = AsOperator("GET", "/admin/providers/epsilon");
  ASSERT_EQ(removed.status, 200);
  const json record = removed.Json();
  EXPECT_FALSE(record["removed_at"].is_null());
  for (const json& k : record["keys"]) EXPECT_FALSE(k["revoked_at"].is_null());
  // Its name is not given to anyone else.
  ExpectProblem(AsOperator("POST", "/admin/providers", {{"name", "epsilon"}}), 409, "conflict");
  ExpectProblem(AsOperator("DELETE", "/admin/providers/epsilon"), 404, "not-found");
}

TEST_F(ProviderApiTest, ClaimOnAProvidersTopicEntersTheSagaOnceAndItsUpdatesGoToItsTopic) {
  const std::string key = CreateProvider("zeta");
  const std::string other = CreateProvider("eta");
  CreatePolicy(521);
  const std::string body = ClaimBody(521, "4444444444").dump();
  // The same message twice (a producer's retry): one claim.
  Publish("zeta-claim.submitted", "m-1", body, {{"Idempotency-Key", "zeta-msg-1"}});
  Publish("zeta-claim.submitted", "m-1", body, {{"Idempotency-Key", "zeta-msg-1"}});
  // An array of two, without a key: its offset names it.
  Publish("zeta-claim.submitted", "m-2", "[" + body + "," + body + "]", {});
  HttpResult list = WaitForClaims(key, [](const json& l) { return l.size() >= 3; });
  ASSERT_EQ(list.status, 200) << list.body;
  std::this_thread::sleep_for(std::chrono::seconds(1));  // a duplicate would show by now
  list = Call(key, "GET", "/claims?limit=100");
  ASSERT_EQ(list.Json().size(), 3u) << list.body;
  std::set<std::string> ids;
  for (const json& c : list.Json()) {
    EXPECT_EQ(c["provider"], "zeta");
    EXPECT_EQ(c["status"], "PAYMENT_REQUESTED");
    ids.insert(c["claim_id"].get<std::string>());
  }
  EXPECT_TRUE(Call(other, "GET", "/claims").Json().empty());

  // Each claim's changes, on the provider's topic, keyed by claim id, in the claim-events shape.
  testing::TopicReader updates(stack_->cluster->bootstrap_servers(), "zeta-claim.updated");
  const auto read = updates.ReadUntil(
      [](const auto& m) { return m.size() >= 6; },  // RESERVED and PAYMENT_REQUESTED each
      std::chrono::seconds(30));
  ASSERT_EQ(read.size(), 6u);
  for (const auto& m : read) {
    EXPECT_TRUE(ids.count(m.key)) << m.key;
    const json event = json::parse(m.value);
    EXPECT_EQ(event["event_type"], "CLAIM_STATE_CHANGED");
    EXPECT_EQ(event["claim_id"], m.key);
    EXPECT_EQ(event["provider"], "zeta");
  }
}

TEST_F(ProviderApiTest, UnusableMessageOnAProvidersTopicIsDeadLetteredWithItsError) {
  const std::string key = CreateProvider("theta");
  Publish("theta-claim.submitted", "bad-1", "this is not json", {});
  Publish("theta-claim.submitted", "bad-2", R"({"provider_npi": "12"})", {});
  testing::TopicReader dlq(stack_->cluster->bootstrap_servers(), "theta-claim.submitted.dlq");
  const auto read =
      dlq.ReadUntil([](const auto& m) { return m.size() >= 2; }, std::chrono::seconds(60));
  ASSERT_EQ(read.size(), 2u);
  std::map<std::string, testing::ConsumedMessage> by_key;
  for (const auto& m : read) by_key[m.key] = m;
  EXPECT_EQ(by_key["bad-1"].value, "this is not json");
  EXPECT_EQ(by_key["bad-1"].headers.at("original_topic"), "theta-claim.submitted");
  EXPECT_NE(by_key["bad-2"].headers.at("error").find("service_date"), std::string::npos)
      << by_key["bad-2"].headers.at("error");
  EXPECT_TRUE(Call(key, "GET", "/claims").Json().empty());
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

// One provider's hostile messages (an array of 2,200 bad claims, whose errors once made a dead
// letter over the broker's size limit and stalled the intake for every provider; a message
// near that limit; a value nested 100,000 deep) are dead-lettered with bounded errors, the
// largest as a stub, and another provider's claim published after them is still taken.
TEST_F(ProviderApiTest, HostileMessagesAreDeadLetteredAndDoNotHoldUpAnotherProvider) {
  CreateProvider("mu");
  const std::string nu_key = CreateProvider("nu");
  CreatePolicy(541);
  std::string many = "[";
  for (int i = 0; i < 2200; ++i) many += i == 0 ? R"({"a": 0})" : R"(,{"a": 0})";
  many += "]";
  Publish("mu-claim.submitted", "many", many, {});
  Publish("mu-claim.submitted", "huge", "[\"" + std::string(990000, 'x') + "\"]", {});
  Publish("mu-claim.submitted", "deep", std::string(100000, '[') + std::string(100000, ']'), {});
  Publish("nu-claim.submitted", "fine", ClaimBody(541, "6666666666").dump(), {});

  HttpResult list = WaitForClaims(nu_key, [](const json& l) { return !l.empty(); });
  ASSERT_EQ(list.Json().size(), 1u) << list.body;
  EXPECT_EQ(list.Json()[0]["provider"], "nu");

  testing::TopicReader dlq(stack_->cluster->bootstrap_servers(), "mu-claim.submitted.dlq");
  const auto read =
      dlq.ReadUntil([](const auto& m) { return m.size() >= 3; }, std::chrono::seconds(60));
  ASSERT_EQ(read.size(), 3u);
  std::map<std::string, testing::ConsumedMessage> by_key;
  for (const auto& m : read) by_key[m.key] = m;
  const std::string& many_error = by_key["many"].headers.at("error");
  EXPECT_LE(many_error.size(), kMaxDeadLetterErrorBytes + 64);
  EXPECT_NE(many_error.find("fields are invalid"), std::string::npos) << many_error;
  EXPECT_EQ(by_key["many"].value, many);
  EXPECT_EQ(by_key["huge"].headers.at("value_dropped"), std::to_string(990004));
  EXPECT_EQ(by_key["huge"].value, "");
  EXPECT_NE(by_key["deep"].headers.at("error").find("nested deeper than 32 levels"),
            std::string::npos)
      << by_key["deep"].headers.at("error");

  HttpResult letters = AsOperator("GET", "/dead-letters/mu-claim.submitted");
  ASSERT_EQ(letters.status, 200) << letters.body.substr(0, 500);
  EXPECT_EQ(letters.Json()["total"], 3);
  EXPECT_EQ(letters.Json()["next"], nullptr);
  // Read a page of one at a time, each going on from the last one's `next`.
  std::set<std::string> paged;
  std::string from;
  for (int page = 0; page < 5; ++page) {
    HttpResult one = AsOperator(
        "GET", "/dead-letters/mu-claim.submitted?limit=1" + (from.empty() ? "" : "&from=" + from));
    ASSERT_EQ(one.status, 200) << one.body.substr(0, 500);
    ASSERT_EQ(one.Json()["dead_letters"].size(), 1u);
    paged.insert(one.Json()["dead_letters"][0]["key"].get<std::string>());
    if (one.Json()["next"].is_null()) break;
    from = one.Json()["next"].get<std::string>();
  }
  EXPECT_EQ(paged, (std::set<std::string>{"many", "huge", "deep"}));
  ExpectProblem(AsOperator("GET", "/dead-letters/mu-claim.submitted?from=3"), 422,
                "validation-error");
  EXPECT_EQ(client().Get("/readyz").status, 200);
}

// The console's dead letters: a claim published before its provider was registered is read over
// HTTP with its error and origin, chosen by key and offsets, and re-driven once the provider
// exists; re-driving it twice makes one claim.
TEST_F(ProviderApiTest, DeadLettersAreReadAndReDrivenOverHttp) {
  CreatePolicy(531);
  Publish("iota-claim.submitted", "late-1", ClaimBody(531, "5555555555").dump(),
          {{"trace", "t-9"}});
  HttpResult letters;
  for (int i = 0; i < 600; ++i) {
    letters = AsOperator("GET", "/dead-letters/iota-claim.submitted");
    if (letters.status == 200 && letters.Json()["total"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(letters.status, 200) << letters.body;
  ASSERT_EQ(letters.Json()["total"], 1) << letters.body;
  EXPECT_EQ(letters.Json()["topic"], "iota-claim.submitted.dlq");
  EXPECT_EQ(letters.Json()["for"], "iota-claim.submitted");
  const json dead = letters.Json()["dead_letters"][0];
  EXPECT_EQ(dead["error"], "no provider iota is registered");
  EXPECT_EQ(dead["key"], "late-1");
  EXPECT_EQ(dead["original_topic"], "iota-claim.submitted");
  EXPECT_EQ(dead["headers"]["trace"], "t-9");
  EXPECT_EQ(dead["value"]["subscriber_number"], "S-531");
  const std::string at = std::to_string(dead["offset"].get<int64_t>());

  HttpResult topics = AsOperator("GET", "/dead-letters");
  ASSERT_EQ(topics.status, 200) << topics.body;
  bool listed = false;
  const json topic_list = topics.Json()["topics"];
  for (const json& t : topic_list) {
    if (t["topic"] != "iota-claim.submitted.dlq") continue;
    listed = true;
    EXPECT_EQ(t["for"], "iota-claim.submitted");
    EXPECT_EQ(t["count"], 1);
  }
  EXPECT_TRUE(listed) << topics.body;

  // Filters, and what is refused.
  EXPECT_EQ(AsOperator("GET", "/dead-letters/iota-claim.submitted.dlq?key=late-1&offsets=" + at)
                .Json()["selected"],
            1);
  EXPECT_EQ(AsOperator("GET", "/dead-letters/iota-claim.submitted?error=nothing-like-it")
                .Json()["dead_letters"]
                .size(),
            0u);
  ExpectProblem(AsOperator("GET", "/dead-letters/iota-claim.submitted?offsets=5-2"), 422,
                "validation-error");
  ExpectProblem(AsOperator("GET", "/dead-letters/iota-claim.submitted?size=2"), 422,
                "validation-error");
  ExpectProblem(AsOperator("GET", "/dead-letters/no-such-topic-here"), 404, "not-found");
  const std::string other = CreateProvider("kappa");
  ExpectProblem(Call(other, "GET", "/dead-letters"), 403, "forbidden");
  ExpectProblem(Call(other, "POST", "/dead-letters/iota-claim.submitted/redrive", {{"all", true}}),
                403, "forbidden");
  const std::string redrive = "/dead-letters/iota-claim.submitted/redrive";
  ExpectProblem(AsOperator("POST", redrive, json::object()), 422, "validation-error");
  ExpectProblem(AsOperator("POST", redrive, {{"all", true}, {"key", "late-1"}}), 422,
                "validation-error");
  ExpectProblem(AsOperator("POST", redrive, {{"offset", 1}}), 422, "validation-error");
  ExpectProblem(AsOperator("POST", redrive, {{"partition", -1}}), 422, "validation-error");

  HttpResult dry = AsOperator("POST", redrive, {{"key", "late-1"}, {"dry_run", true}});
  ASSERT_EQ(dry.status, 200) << dry.body;
  ASSERT_EQ(dry.Json()["redriven"].size(), 1u) << dry.body;
  EXPECT_EQ(dry.Json()["redriven"][0]["to"], "iota-claim.submitted");
  EXPECT_EQ(dry.Json()["dry_run"], true);
  EXPECT_EQ(AsOperator("POST", redrive, {{"key", "nobody"}}).Json()["redriven"].size(), 0u);

  // The cause fixed (the provider registered), the dead letter is re-driven: one claim.
  const std::string key = CreateProvider("iota");
  HttpResult done =
      AsOperator("POST", redrive, {{"partition", dead["partition"]}, {"offsets", at}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["redriven"].size(), 1u) << done.body;
  HttpResult list = WaitForClaims(key, [](const json& l) { return !l.empty(); });
  ASSERT_EQ(list.Json().size(), 1u) << list.body;
  EXPECT_EQ(list.Json()[0]["provider"], "iota");
  ASSERT_EQ(AsOperator("POST", redrive, {{"all", true}}).status, 200);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // a second claim would show by now
  EXPECT_EQ(Call(key, "GET", "/claims").Json().size(), 1u);
}

}  // namespace
}  // namespace claims
