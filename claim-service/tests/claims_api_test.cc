// The claims API over real HTTP, with the mock Kafka cluster in-process and no payment-service:
// submission (JSON, CSV, bulk all-or-nothing), policy matching, reads, cancel and retry
// refusals, Idempotency-Key, the rate-limited top-provider query, and dead letters for
// payment-events that cannot be used. One server for the whole binary.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "claim_service/claim_service.h"
#include "shared/json_log.h"
#include "shared/kafka_publisher.h"
#include "shared/mock_kafka_cluster.h"
#include "test_policies.h"
#include "test_server.h"
#include "testing/http_client.h"
#include "testing/openapi_check.h"
#include "testing/topic_reader.h"

namespace claims {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::HttpClient;
using testing::HttpResult;

class ClaimsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetLogLevel(LogLevel::kError);
    stack_ =
        testing::StartServiceUnderTest(1, "claims-api-test", clock_, [](ClaimServiceConfig& c) {
          c.fsync = wal::FsyncPolicy::kNone;
          c.top_providers_per_minute = 3;
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

  // A policy for member (S-n, G-1) and its id.
  std::string CreatePolicy(int n) {
    HttpResult r = client().Post("/policies", testing::PolicyBody(n));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json().value("policy_id", "");
  }

  static json ClaimBody(int member, const std::string& npi = "1234567890") {
    return {{" Service Date ", "3/28/26 0:00"},
            {"Submitted Procedure", "d0120"},
            {"Plan/Group #", "G-1"},
            {"Subscriber#", "S-" + std::to_string(member)},
            {"provider_npi", npi},
            {"provider_fees", "$100.00 "},
            {"allowed_fees", 20},
            {"member CoInsurance", "5.5"},
            {"member_copay", 0}};
  }

  static inline ManualClock clock_{std::chrono::system_clock::now()};
  static inline testing::ServiceUnderTest* stack_ = nullptr;
  static inline MockKafkaCluster* cluster_ = nullptr;
  static inline ClaimService* service_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ClaimsApiTest, MessyClaimIsNormalisedMatchedByMemberAndAskedToBePaid) {
  const std::string policy_id = CreatePolicy(101);
  HttpResult r = client().Post("/claims", ClaimBody(101));
  ASSERT_EQ(r.status, 201) << r.body;
  const json claim = r.Json();
  EXPECT_EQ(claim["status"], "PAYMENT_REQUESTED");
  EXPECT_EQ(claim["policy_id"], policy_id);
  EXPECT_EQ(claim["service_date"], "2026-03-28");
  EXPECT_EQ(claim["submitted_procedure"], "D0120");
  EXPECT_EQ(claim["net_fee"], "85.50");
  EXPECT_EQ(r.Header("location"), "/claims/" + claim["claim_id"].get<std::string>());
  HttpResult history = client().Get("/claims/" + claim["claim_id"].get<std::string>() + "/history");
  ASSERT_EQ(history.status, 200);
  std::vector<std::string> states;
  const json lines = history.Json()["history"];
  for (const json& h : lines) states.push_back(h["status"]);
  EXPECT_EQ(states, (std::vector<std::string>{"SUBMITTED", "RESERVED", "PAYMENT_REQUESTED"}));
  // Each step records what it changed in the claim's row, [before, after].
  EXPECT_TRUE(lines[0]["changes"].is_null()) << "the first entry is the claim itself";
  EXPECT_EQ(lines[1]["changes"]["status"], json::array({"SUBMITTED", "RESERVED"}));
  EXPECT_FALSE(lines[1]["changes"].contains("payment_id"));
  EXPECT_EQ(lines[2]["changes"]["payment_id"][0], nullptr);
  EXPECT_EQ(lines[2]["changes"]["payment_id"][1], claim["payment_id"]);
  EXPECT_EQ(lines[2]["changes"]["version"], json::array({2, 3}));
  // The payment command the last step sent, and the one WAL entry the submission was.
  EXPECT_TRUE(lines[1]["command"].is_null());
  EXPECT_EQ(lines[2]["command"]["type"], "PAYMENT_REQUESTED");
  EXPECT_EQ(lines[2]["command"]["payment_id"], claim["payment_id"]);
  EXPECT_EQ(lines[2]["command"]["amount"], "85.50");
  EXPECT_TRUE(lines[2]["result"].is_null());
  ASSERT_TRUE(lines[0]["wal"].is_object()) << lines[0];
  EXPECT_GT(lines[0]["wal"]["lsn"].get<int64_t>(), 0);
  EXPECT_EQ(lines[2]["wal"], lines[0]["wal"]);
}

// /openapi.json is the document built in; it names every route with its access, and every
// operation answers as it says: each sent once with ids that exist nowhere and a `{}` body,
// then again with a policy and a claim that exist, and the successful creations checked too.
TEST_F(ClaimsApiTest, OpenApiDocumentSaysWhatTheServiceAnswers) {
  const json doc = json::parse(ClaimServiceOpenApi());
  HttpResult served = client().Get("/openapi.json");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.Json(), doc);
  testing::ExpectRoutesDocumented(doc, service_->routes());
  testing::ProbeDocumentedOperations(client(), doc, {});

  HttpResult policy = client().Post("/policies", testing::PolicyBody(150));
  testing::ExpectDocumentedAnswer(doc, "POST", "/policies", policy);
  HttpResult claim = client().Post("/claims", ClaimBody(150));
  testing::ExpectDocumentedAnswer(doc, "POST", "/claims", claim);
  HttpResult bulk = client().Post("/claims", json::array({ClaimBody(150), ClaimBody(150999)}));
  testing::ExpectDocumentedAnswer(doc, "POST", "/claims", bulk);
  ASSERT_EQ(bulk.status, 201) << bulk.body;
  EXPECT_EQ(bulk.Json()[1]["status"], "REJECTED");  // a documented `reason` with it
  ASSERT_EQ(claim.status, 201) << claim.body;
  const std::map<std::string, std::string> ids{{"policy_id", policy.Json()["policy_id"]},
                                               {"claim_id", claim.Json()["claim_id"]}};
  // A claim's payments are payment-service's to tell, and no payment-service runs here: the
  // answer is the documented 503 naming why (browser_test asks a real one).
  const HttpResult payments = client().Get("/claims/" + ids.at("claim_id") + "/payments");
  EXPECT_EQ(payments.status, 503) << payments.body;
  EXPECT_NE(payments.body.find("no payment-service URL is configured"), std::string::npos)
      << payments.body;
  testing::ExpectDocumentedAnswer(doc, "GET", "/claims/{claim_id}/payments", payments);
  testing::ProbeDocumentedOperations(client(), doc, ids, {"GET /claims/{claim_id}/payments"});
  clock_.Advance(std::chrono::minutes(1));  // the probes' GET /top-provider-npis: a fresh allowance
}

// /metrics counts claims per state in the database when read, and times submission to each
// terminal state (a claim REJECTED at once is one). Other tests' claims may move meanwhile (the
// clock is advanced), so: every state is answered, the states add up to every claim, and a
// REJECTED claim stays REJECTED.
TEST_F(ClaimsApiTest, MetricsCountClaimsByStateAndTimeToTerminal) {
  struct Figures {
    double total = 0;
    double rejected = 0;
    double terminal = 0;
  };
  const auto read = [this] {
    const std::string text = client().Get("/metrics").body;
    Figures f;
    for (const char* state :
         {"SUBMITTED", "REJECTED", "RESERVED", "PAYMENT_REQUESTED", "PAID", "PAYMENT_FAILED",
          "REVERSAL_REQUESTED", "REVERSED", "VOID_REQUESTED", "VOIDED", "COMPENSATION_FAILED"}) {
      const double n =
          testing::MetricValue(text, "claims_saga_claims{state=\"" + std::string(state) + "\"}");
      EXPECT_GE(n, 0) << state << " is not answered";
      f.total += n;
    }
    f.rejected = testing::MetricValue(text, "claims_saga_claims{state=\"REJECTED\"}");
    f.terminal = testing::MetricValue(text, "claims_saga_submission_to_terminal_seconds_count");
    return f;
  };
  // The counts are taken at most once a second (a scrape in a loop must not count each time).
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(1100)); };
  settle();
  const Figures before = read();
  const auto counted = std::chrono::steady_clock::now();
  CreatePolicy(160);
  HttpResult r = client().Post("/claims", json::array({ClaimBody(160), ClaimBody(160999)}));
  ASSERT_EQ(r.status, 201) << r.body;
  const double again = read().total;
  if (std::chrono::steady_clock::now() - counted < std::chrono::milliseconds(800)) {
    EXPECT_EQ(again, before.total) << "counted again within the second";
  }
  settle();
  const Figures after = read();
  EXPECT_EQ(after.total, before.total + 2);
  EXPECT_EQ(after.rejected, before.rejected + 1);
  EXPECT_GE(after.terminal, before.terminal + 1);
}

// GET /claims by submission time: a date is its first moment, a UTC time any precision; the
// bound is exclusive at the end; anything else names the parameter.
TEST_F(ClaimsApiTest, ClaimsAreFoundBySubmissionTime) {
  const std::string policy_id = CreatePolicy(170);
  HttpResult r = client().Post("/claims", ClaimBody(170));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string at = r.Json()["created_at"];  // "2026-12-01T10:00:00.123Z"
  const auto count = [&](const std::string& query) {
    HttpResult list = client().Get("/claims?policy_id=" + policy_id + "&" + query);
    EXPECT_EQ(list.status, 200) << query << ": " << list.body;
    return list.Json().size();
  };
  EXPECT_EQ(count("submitted_from=" + at.substr(0, 10)), 1u);
  EXPECT_EQ(count("submitted_to=" + at.substr(0, 10)), 0u);
  EXPECT_EQ(count("submitted_from=" + at), 1u) << "at or after";
  EXPECT_EQ(count("submitted_to=" + at), 0u) << "before, not at";
  EXPECT_EQ(count("submitted_from=" + at.substr(0, 19) + "Z"), 1u) << "without milliseconds";
  for (const char* bad : {"2026-02-30", "yesterday", "2026-12-01T25:00:00Z", "2026-12-01T10:00:00",
                          "2026-12-01T10:00:00.1x2Z"}) {
    HttpResult refused = client().Get(std::string("/claims?submitted_from=") + bad);
    ExpectProblem(refused, 422, "validation-error");
    EXPECT_NE(refused.body.find("query.submitted_from"), std::string::npos) << bad;
  }
}

TEST_F(ClaimsApiTest, CsvBulkIsAcceptedAsOneArray) {
  CreatePolicy(102);
  const std::string csv =
      " Service Date ,Submitted Procedure,Plan/Group #,Subscriber#,Provider NPI,Provider Fees,"
      "Allowed Fees,member CoInsurance,Member Copay\n"
      "2026-03-01,D1110,G-1,S-102,1234567890,$120.00 ,100,0,10\n"
      "3/2/26 0:00,D0150,G-1,S-102,1234567891,80,80,0,0\n";
  HttpResult r = client().Send("POST", "/claims", csv, {"Content-Type: text/csv"});
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(r.Json().size(), 2u);
  EXPECT_EQ(r.Json()[0]["net_fee"], "30.00");
  EXPECT_EQ(r.Json()[1]["net_fee"], "0.00");
}

TEST_F(ClaimsApiTest, BulkWithABadRowIs422NamingEachFieldAndStoresNothing) {
  CreatePolicy(103);
  const size_t before = client().Get("/claims?limit=500").Json().size();
  json bad = ClaimBody(103);
  bad["provider_npi"] = "12345";
  bad["submitted_procedure"] = "X1";
  HttpResult r = client().Post("/claims", json::array({ClaimBody(103), bad}));
  ExpectProblem(r, 422, "validation-error");
  std::set<std::string> locations;
  const json errors = r.Json()["errors"];
  for (const json& e : errors) locations.insert(e["location"]);
  EXPECT_TRUE(locations.count("body[1].provider_npi")) << r.body;
  EXPECT_TRUE(locations.count("body[1].submitted_procedure")) << r.body;
  EXPECT_EQ(client().Get("/claims?limit=500").Json().size(), before);
}

TEST_F(ClaimsApiTest, ClaimWithoutAMatchingPolicyIsStoredRejectedWithTheReason) {
  HttpResult r = client().Post("/claims", ClaimBody(999));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["status"], "REJECTED");
  EXPECT_EQ(r.Json()["reason"], "no policy has subscriber_number S-999 with plan_group_number G-1");
  HttpResult cancel =
      client().Send("POST", "/claims/" + r.Json()["claim_id"].get<std::string>() + "/cancel");
  ExpectProblem(cancel, 409, "conflict");
  HttpResult retry =
      client().Send("POST", "/claims/" + r.Json()["claim_id"].get<std::string>() + "/retry");
  ExpectProblem(retry, 409, "conflict");
}

TEST_F(ClaimsApiTest, IdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody) {
  CreatePolicy(104);
  const std::vector<std::string> headers = {"Content-Type: application/json",
                                            "Idempotency-Key: submit-104"};
  HttpResult first = client().Send("POST", "/claims", ClaimBody(104).dump(), headers);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult again = client().Send("POST", "/claims", ClaimBody(104).dump(), headers);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(client().Get("/claims?provider_npi=1234567890&limit=500").Json().size(),
            client().Get("/claims?provider_npi=1234567890&limit=500").Json().size());
  json other = ClaimBody(104);
  other["member_copay"] = 1;
  HttpResult clash = client().Send("POST", "/claims", other.dump(), headers);
  ExpectProblem(clash, 409, "conflict");
  HttpResult bad_key = client().Send("POST", "/claims", ClaimBody(104).dump(),
                                     {"Content-Type: application/json", "Idempotency-Key: a b"});
  ExpectProblem(bad_key, 422, "validation-error");
}

TEST_F(ClaimsApiTest, ListFiltersAndPagesWithALinkHeader) {
  const std::string policy_id = CreatePolicy(105);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(client().Post("/claims", ClaimBody(105, "5555555555")).status, 201);
  HttpResult page = client().Get("/claims?provider_npi=5555555555&limit=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Json().size(), 2u);
  EXPECT_EQ(page.Header("link"),
            "</claims?limit=2&offset=2&provider_npi=5555555555>; rel=\"next\"");
  EXPECT_EQ(client().Get("/claims?provider_npi=5555555555&offset=2").Json().size(), 1u);
  EXPECT_EQ(
      client().Get("/claims?policy_id=" + policy_id + "&status=PAYMENT_REQUESTED").Json().size(),
      3u);
  ExpectProblem(client().Get("/claims?status=paid"), 422, "validation-error");
  ExpectProblem(client().Get("/claims?colour=red"), 422, "validation-error");
  ExpectProblem(client().Get("/claims/nope"), 404, "not-found");
  ExpectProblem(client().Get("/claims/nope/history"), 404, "not-found");
  ExpectProblem(client().Send("POST", "/claims/nope/cancel"), 404, "not-found");
}

TEST_F(ClaimsApiTest, PolicyWithOpenClaimsCannotBeDeleted) {
  const std::string policy_id = CreatePolicy(106);
  ASSERT_EQ(client().Post("/claims", ClaimBody(106)).status, 201);
  ExpectProblem(client().Delete("/policies/" + policy_id), 409, "conflict");
}

TEST_F(ClaimsApiTest, TopProviderNpisAreSummedByTheDatabaseAndRateLimited) {
  CreatePolicy(107);
  // The third names no policy that exists: REJECTED, its fee never approved, so not counted.
  HttpResult submitted = client().Post(
      "/claims", json::array({ClaimBody(107, "7777777777"), ClaimBody(107, "7777777777"),
                              ClaimBody(99107, "7777777777")}));
  ASSERT_EQ(submitted.status, 201) << submitted.body;
  ASSERT_EQ(submitted.Json()[2]["status"], "REJECTED");
  HttpResult top = client().Get("/top-provider-npis");
  ASSERT_EQ(top.status, 200) << top.body;
  ASSERT_FALSE(top.Json().empty());
  bool found = false;
  const json providers = top.Json();
  for (const json& p : providers) {
    if (p["provider_npi"] == "7777777777") {
      found = true;
      EXPECT_EQ(p["total_net_fee"], "171.00");
      EXPECT_EQ(p["claims"], 2);
    }
  }
  EXPECT_TRUE(found) << top.body;
  EXPECT_LE(top.Json().size(), 10u);
  EXPECT_EQ(client().Get("/top-provider-npis").status, 200);
  EXPECT_EQ(client().Get("/top-provider-npis").status, 200);
  HttpResult limited = client().Get("/top-provider-npis");
  ExpectProblem(limited, 429, "rate-limited");
  EXPECT_EQ(limited.Header("retry-after"), "20");
  clock_.Advance(std::chrono::seconds(20));
  EXPECT_EQ(client().Get("/top-provider-npis").status, 200);
}

// Past 2^63 cents in one NPI's total: 9,300 accepted claims at the largest fee a policy can
// cover (10^13 currency units, each on its own policy at the largest coverage). SUM over int64
// would fail with "integer overflow" (a 500, for ever); the total is exact instead.
TEST_F(ClaimsApiTest, TopProviderTotalPastInt64IsExact) {
  constexpr int kClaims = 9300;
  constexpr int kThreads = 4;
  const std::string max_money = "10000000000000.00";  // Money::kMaxCents
  std::vector<std::vector<std::string>> policy_ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient c(service_->port());
      for (int i = t; i < kClaims; i += kThreads) {
        json body = testing::PolicyBody(500000 + i);
        body["coverage_amount"] = max_money;
        HttpResult r = c.Post("/policies", body);
        if (r.status == 201) policy_ids[t].push_back(r.Json()["policy_id"]);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> all;
  for (const auto& ids : policy_ids) all.insert(all.end(), ids.begin(), ids.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kClaims));
  for (size_t first = 0; first < all.size(); first += 1000) {
    json batch = json::array();
    for (size_t i = first; i < std::min(all.size(), first + 1000); ++i) {
      batch.push_back({{"policy_id", all[i]},
                       {"service_date", "2026-03-28"},
                       {"submitted_procedure", "D0120"},
                       {"provider_npi", "9999999999"},
                       {"provider_fees", max_money},
                       {"allowed_fees", 0}});
    }
    HttpResult r = client().Post("/claims", batch);
    ASSERT_EQ(r.status, 201) << r.body.substr(0, 500);
    for (const json& claim : r.Json()) ASSERT_EQ(claim["status"], "PAYMENT_REQUESTED");
  }
  clock_.Advance(std::chrono::minutes(1));  // a fresh rate-limit allowance
  HttpResult top = client().Get("/top-provider-npis");
  ASSERT_EQ(top.status, 200) << top.body;
  ASSERT_FALSE(top.Json().empty());
  EXPECT_EQ(top.Json()[0]["provider_npi"], "9999999999");
  EXPECT_EQ(top.Json()[0]["total_net_fee"], "93000000000000000.00");  // 9.3 * 10^18 cents
  EXPECT_EQ(top.Json()[0]["claims"], kClaims);
}

TEST_F(ClaimsApiTest, HostileBodiesNeverCauseA5xx) {
  std::mt19937 rng(20261122);
  const std::vector<std::string> samples = {"",
                                            "{",
                                            "[]",
                                            "[{}]",
                                            "null",
                                            "\"x\"",
                                            "[1,2]",
                                            "{\"provider_fees\":1e400}",
                                            "{\"provider_fees\":\"-5\"}",
                                            std::string(1, '\0'),
                                            "\xff\xfe",
                                            "[[[[[[]]]]]]"};
  for (const std::string& body : samples) {
    HttpResult r = client().Send("POST", "/claims", body, {"Content-Type: application/json"});
    EXPECT_GE(r.status, 400) << body;
    EXPECT_LT(r.status, 500) << body << " -> " << r.body;
  }
  for (int i = 0; i < 50; ++i) {
    std::string body(rng() % 200, ' ');
    for (char& c : body) c = static_cast<char>(rng() % 256);
    HttpResult csv = client().Send("POST", "/claims", body, {"Content-Type: text/csv"});
    EXPECT_LT(csv.status, 500) << csv.body;
  }
}

// Bodies whose decoding once cost minutes and gigabytes (an answer listing every error of
// every row): refused before anything is built, or answered with the first 100 errors and the
// count, and the instance keeps serving.
TEST_F(ClaimsApiTest, HugeAndDeepBodiesAreAnsweredAtOnceWithBoundedAnswers) {
  const json doc = json::parse(ClaimServiceOpenApi());
  const auto post = [&](const std::string& body, const std::string& type) {
    const auto started = std::chrono::steady_clock::now();
    HttpResult r = client().Send("POST", "/claims", body, {"Content-Type: " + type});
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
    testing::ExpectDocumentedAnswer(doc, "POST", "/claims", r);
    return r;
  };
  std::string empties = "[";
  for (int i = 0; i < 349000; ++i) empties += i == 0 ? "{}" : ",{}";
  empties += "]";
  HttpResult r = post(empties, "application/json");
  ExpectProblem(r, 413, "payload-too-large");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("more than 10000 items"), std::string::npos)
      << r.body;

  ExpectProblem(post(std::string(100000, '[') + std::string(100000, ']'), "application/json"), 413,
                "payload-too-large");

  std::string rows = "x\n";
  while (rows.size() < 1000000) rows += "1\n";
  r = post(rows, "text/csv");
  ExpectProblem(r, 413, "payload-too-large");
  EXPECT_NE(r.Json()["detail"].get<std::string>().find("more than 10000 rows"), std::string::npos)
      << r.body;

  std::string some = "[";
  for (int i = 0; i < 5000; ++i) some += i == 0 ? "{}" : ",{}";
  some += "]";
  r = post(some, "application/json");
  ExpectProblem(r, 422, "validation-error");
  EXPECT_EQ(r.Json()["errors"].size(), 100u);
  EXPECT_EQ(r.Json()["error_count"], 30000);
  EXPECT_EQ(r.Json()["detail"], "30000 fields are invalid; the first 100 are listed");
  EXPECT_LT(r.body.size(), 20000u);
  EXPECT_EQ(client().Get("/readyz").status, 200);
}

TEST_F(ClaimsApiTest, PaymentEventThatCannotBeUsedGoesToTheDeadLetterTopic) {
  prometheus::Registry metrics;
  KafkaSettings settings;
  settings.bootstrap_servers = cluster_->bootstrap_servers();
  auto producer = KafkaEventPublisher::Create(settings, metrics);
  ASSERT_TRUE(producer.ok());
  const std::vector<OutgoingEvent> garbage = {
      {"payment-events", "claim-x", "bad-1", "this is not json", {}},
      {"payment-events",
       "claim-y",
       "bad-2",
       R"({"schema_version":1,"event_type":"PAYMENT_SETTLED"})",
       {}}};
  ASSERT_TRUE((*producer)->PublishAll(garbage, std::chrono::seconds(10)).ok());
  testing::TopicReader dlq(cluster_->bootstrap_servers(), "payment-events.dlq");
  const auto read =
      dlq.ReadUntil([](const auto& m) { return m.size() >= 2; }, std::chrono::seconds(30));
  ASSERT_EQ(read.size(), 2u);
  std::map<std::string, testing::ConsumedMessage> by_id;
  for (const auto& m : read) by_id[m.EventId()] = m;
  EXPECT_EQ(by_id["bad-1"].value, "this is not json");
  EXPECT_EQ(by_id["bad-1"].headers.at("error"), "not valid JSON");
  EXPECT_EQ(by_id["bad-1"].headers.at("original_topic"), "payment-events");
  EXPECT_EQ(by_id["bad-2"].key, "claim-y");
  EXPECT_FALSE(by_id["bad-2"].headers.at("error").empty());
  // The consumer moved on: the service still answers and applies nothing from them.
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace claims
