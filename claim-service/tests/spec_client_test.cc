// The policy API as a client written to the product's original policy specification uses it:
// only the specification's fields (policy id, policyholder name, policy type, start and end
// date, premium amount, status), its paths with the trailing slash, create / read / list /
// update / delete, one Kafka event per change on policy-created, policy-updated and
// policy-deleted, and PATCH for the one-field updates most such clients make. Over real HTTP,
// with the mock Kafka cluster in the process.
#include <gtest/gtest.h>

#include <set>

#include "shared/json_log.h"
#include "test_server.h"
#include "testing/topic_reader.h"

namespace claims {
namespace {

using nlohmann::json;
using testing::ExpectProblem;
using testing::HttpClient;
using testing::HttpResult;

// Exactly the specification's fields, as its example clients send them: money a JSON number.
json SpecPolicy(const std::string& holder) {
  return {{"policyholder_name", holder}, {"policy_type", "Life"},     {"start_date", "2026-01-01"},
          {"end_date", "2027-01-01"},    {"premium_amount", 1250.50}, {"status", "Active"}};
}

class SpecClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetLogLevel(LogLevel::kError);
    stack_ = testing::StartServiceUnderTest(3, "spec-client-test", clock_).release();
    ASSERT_NE(stack_, nullptr);
  }
  static void TearDownTestSuite() { delete stack_; }

  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(stack_->service->port());
    return *client_;
  }

  json Create(const json& body) {
    HttpResult r = client().Post("/policies/", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json();
  }

  // The events of `topic` keyed by `policy_id`, once `count` of them are there (or 20 s passed).
  std::vector<json> EventsOf(const std::string& topic, const std::string& policy_id, size_t count) {
    testing::TopicReader reader(stack_->cluster->bootstrap_servers(), topic);
    const auto mine = [&](const std::vector<testing::ConsumedMessage>& all) {
      std::vector<json> out;
      for (const auto& m : all) {
        if (m.key == policy_id) out.push_back(json::parse(m.value));
      }
      return out;
    };
    return mine(reader.ReadUntil([&](const auto& all) { return mine(all).size() >= count; },
                                 std::chrono::seconds(20)));
  }

  static inline SystemClock clock_;
  static inline testing::ServiceUnderTest* stack_ = nullptr;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(SpecClientTest, CrudWithOnlyTheSpecificationFieldsPublishesOneEventPerChange) {
  const json created = Create(SpecPolicy("Ada"));
  const std::string id = created["policy_id"];
  EXPECT_EQ(id.size(), 21u);  // a nanoid when the client names none
  EXPECT_EQ(created["policyholder_name"], "Ada");
  EXPECT_EQ(created["policy_type"], "Life");
  EXPECT_EQ(created["start_date"], "2026-01-01");
  EXPECT_EQ(created["end_date"], "2027-01-01");
  EXPECT_EQ(created["premium_amount"], "1250.50");
  EXPECT_EQ(created["status"], "Active");
  EXPECT_TRUE(created["customer_id"].is_null());
  EXPECT_TRUE(created["coverage_amount"].is_null());

  HttpResult read = client().Get("/policies/" + id);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.Json(), created);

  // Update as the specification lists it: every field it knows, the premium changed.
  json change = SpecPolicy("Ada Lovelace");
  change["premium_amount"] = 1300;
  HttpResult updated = client().Put("/policies/" + id, change);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["policyholder_name"], "Ada Lovelace");
  EXPECT_EQ(updated.Json()["premium_amount"], "1300.00");

  // One field at a time.
  HttpResult patched = client().Patch("/policies/" + id, {{"status", "Expired"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  json expected = updated.Json();
  expected["status"] = "Expired";
  expected["version"] = 3;
  expected["updated_at"] = patched.Json()["updated_at"];
  EXPECT_EQ(patched.Json(), expected);
  HttpResult plain_json =
      client().Patch("/policies/" + id, {{"policy_type", "home"}}, "application/json");
  ASSERT_EQ(plain_json.status, 200) << plain_json.body;
  EXPECT_EQ(plain_json.Json()["policy_type"], "Home");
  EXPECT_EQ(plain_json.Json()["status"], "Expired");

  HttpResult deleted = client().Delete("/policies/" + id);
  EXPECT_EQ(deleted.status, 204);
  ExpectProblem(client().Get("/policies/" + id), 404, "not-found");

  const std::vector<json> created_events = EventsOf("policy-created", id, 1);
  const std::vector<json> updated_events = EventsOf("policy-updated", id, 3);
  const std::vector<json> deleted_events = EventsOf("policy-deleted", id, 1);
  ASSERT_EQ(created_events.size(), 1u);
  ASSERT_EQ(updated_events.size(), 3u);
  ASSERT_EQ(deleted_events.size(), 1u);
  EXPECT_EQ(created_events[0]["event_type"], "POLICY_CREATED");
  EXPECT_TRUE(created_events[0]["customer_id"].is_null());
  EXPECT_EQ(created_events[0]["policy_details"], created);
  std::vector<std::string> premiums, statuses, types;
  for (const json& e : updated_events) {
    EXPECT_EQ(e["event_type"], "POLICY_UPDATED");
    premiums.push_back(e["policy_details"]["premium_amount"]);
    statuses.push_back(e["policy_details"]["status"]);
    types.push_back(e["policy_details"]["policy_type"]);
  }
  EXPECT_EQ(premiums, (std::vector<std::string>{"1300.00", "1300.00", "1300.00"}));
  EXPECT_EQ(statuses, (std::vector<std::string>{"Active", "Expired", "Expired"}));
  EXPECT_EQ(types, (std::vector<std::string>{"Life", "Life", "Home"}));
  EXPECT_EQ(deleted_events[0]["event_type"], "POLICY_DELETED");
  EXPECT_EQ(deleted_events[0]["policy_details"]["policy_type"], "Home");
}

TEST_F(SpecClientTest, ListingFollowsEveryPageAndAnOversizedLimitIsClamped) {
  std::set<std::string> mine;
  for (int i = 0; i < 5; ++i) mine.insert(Create(SpecPolicy("Lister"))["policy_id"]);
  std::set<std::string> seen;
  std::string next = "/policies/?limit=2";
  for (int pages = 0; !next.empty() && pages < 1000; ++pages) {
    HttpResult page = client().Get(next);
    ASSERT_EQ(page.status, 200) << page.body;
    ASSERT_TRUE(page.Json().is_array());
    for (const json& p : page.Json()) {
      EXPECT_TRUE(seen.insert(p["policy_id"].get<std::string>()).second) << "seen twice";
    }
    const std::string link = page.Header("link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
  }
  for (const std::string& id : mine) EXPECT_EQ(seen.count(id), 1u) << id;

  HttpResult everything = client().Get("/policies/?limit=100000000000000000000000");
  ASSERT_EQ(everything.status, 200) << everything.body;
  EXPECT_EQ(everything.Json().size(), seen.size());
}

TEST_F(SpecClientTest, ClientNamedPolicyIdIsKeptAndASecondCreateIs409) {
  json body = SpecPolicy("Grace");
  body["policy_id"] = "POL-2026-0001";
  const json created = Create(body);
  EXPECT_EQ(created["policy_id"], "POL-2026-0001");
  EXPECT_EQ(client().Get("/policies/POL-2026-0001").status, 200);

  HttpResult again = client().Post("/policies/", body);
  ExpectProblem(again, 409, "conflict");
  EXPECT_NE(again.Json()["detail"].get<std::string>().find("POL-2026-0001"), std::string::npos);

  body["policy_id"] = "has spaces/and slashes";
  HttpResult bad = client().Post("/policies/", body);
  ExpectProblem(bad, 422, "validation-error");
  EXPECT_EQ(bad.Json()["errors"][0]["location"], "body.policy_id");

  // Clients written against integer ids.
  json numbered = SpecPolicy("Alan");
  numbered["policy_id"] = 4242;
  EXPECT_EQ(Create(numbered)["policy_id"], "4242");
  EXPECT_EQ(client().Get("/policies/4242").status, 200);
  ExpectProblem(client().Post("/policies/", numbered), 409, "conflict");

  // Deleted without claims: the id is free again.
  ASSERT_EQ(client().Delete("/policies/POL-2026-0001").status, 204);
  body["policy_id"] = "POL-2026-0001";
  EXPECT_EQ(Create(body)["version"], 1);
}

TEST_F(SpecClientTest, PatchIsValidatedAndHonoursTheVersionPrecondition) {
  const json created = Create(SpecPolicy("Edsger"));
  const std::string path = "/policies/" + created["policy_id"].get<std::string>();

  HttpResult bad = client().Patch(path, {{"end_date", "2025-01-01"}, {"colour", "red"}});
  ExpectProblem(bad, 422, "validation-error");
  std::set<std::string> locations;
  const json problem = bad.Json();
  for (const json& e : problem["errors"]) locations.insert(e["location"]);
  EXPECT_EQ(locations, (std::set<std::string>{"body.end_date", "body.colour"}));
  ExpectProblem(client().Patch(path, {{"policyholder_name", nullptr}}), 422, "validation-error");
  ExpectProblem(client().Patch(path, json::array({1})), 422, "validation-error");
  ExpectProblem(client().Patch(path, {{"policy_id", "another"}}), 422, "validation-error");
  ExpectProblem(client().Send("PATCH", path, "{\"status\": ", {"Content-Type: application/json"}),
                400, "malformed-json");
  HttpResult json_patch = client().Patch(
      path, json::array({{{"op", "replace"}, {"path", "/status"}, {"value", "Expired"}}}),
      "application/json-patch+json");
  EXPECT_EQ(json_patch.status, 415) << json_patch.body;
  ExpectProblem(client().Patch("/policies/no-such-policy", {{"status", "Expired"}}), 404,
                "not-found");
  EXPECT_EQ(client().Get(path).Json(), created);  // nothing above changed it

  // The version read is a precondition; the stored one moves on with each change.
  HttpResult first = client().Patch(path, {{"premium_amount", "10.00"}, {"version", 1}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Json()["version"], 2);
  ExpectProblem(client().Patch(path, {{"premium_amount", "11.00"}, {"version", 1}}), 409,
                "conflict");
  // Removing an optional field the product added: null in a merge patch.
  HttpResult with_customer = client().Patch(path, {{"customer_id", "C-77"}});
  ASSERT_EQ(with_customer.status, 200) << with_customer.body;
  EXPECT_EQ(with_customer.Json()["customer_id"], "C-77");
  HttpResult without = client().Patch(path, {{"customer_id", nullptr}});
  ASSERT_EQ(without.status, 200) << without.body;
  EXPECT_TRUE(without.Json()["customer_id"].is_null());
  EXPECT_EQ(without.Json()["premium_amount"], "10.00");
}

// What the specification's policy pays: it has no coverage_amount, so a claim against it is
// rejected with the reason (never paid without a limit), and the claim reaches a terminal state.
TEST_F(SpecClientTest, ClaimAgainstAPolicyWithoutCoverageIsRejectedWithTheReason) {
  const std::string policy_id = Create(SpecPolicy("Barbara"))["policy_id"];
  const json claim = {{"policy_id", policy_id},         {"service_date", "2026-03-01"},
                      {"submitted_procedure", "D0120"}, {"provider_npi", "1234567890"},
                      {"provider_fees", 100},           {"allowed_fees", 20},
                      {"member_coinsurance", 0},        {"member_copay", 0}};
  HttpResult r = client().Post("/claims", claim);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["status"], "REJECTED");
  EXPECT_NE(r.Json()["reason"].get<std::string>().find("no coverage_amount"), std::string::npos)
      << r.body;

  // With an amount, the same claim is accepted and its fee reserved.
  HttpResult covered = client().Patch("/policies/" + policy_id, {{"coverage_amount", 1000}});
  ASSERT_EQ(covered.status, 200) << covered.body;
  HttpResult accepted = client().Post("/claims", claim);
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(accepted.Json()["status"], "PAYMENT_REQUESTED");
  // And the amount cannot be taken away while the reservation stands.
  ExpectProblem(client().Patch("/policies/" + policy_id, {{"coverage_amount", nullptr}}), 409,
                "conflict");
  ExpectProblem(client().Put("/policies/" + policy_id, SpecPolicy("Barbara")), 409, "conflict");
}

}  // namespace
}  // namespace claims
