// The repository is the schema registry (shared/schemas/README.md): every schema is well formed
// and uses only keywords draft 7 and 2020-12 share, its examples match and its counter-examples
// do not, each version accepts the previous version's examples (BACKWARD, as a registry would
// check), and what the producers of this library build matches its topic's schema.
#include "shared/event_schemas.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "shared/event_envelope.h"
#include "shared/payment_messages.h"
#include "shared/policy.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

nlohmann::json ReadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return nlohmann::json::parse(in);
}

std::filesystem::path SchemaDir(std::string_view name) {
  return std::filesystem::path(CLAIMS_SOURCE_DIR) / "shared" / "schemas" / std::string(name);
}

// The keywords allowed in a schema object: those whose meaning draft 7 (valijson) and draft
// 2020-12 share. prefixItems, unevaluatedProperties, dependentRequired, $dynamicRef ... are not.
const std::set<std::string>& SharedKeywords() {
  static const std::set<std::string> k = {"$schema",
                                          "$id",
                                          "$ref",
                                          "$defs",
                                          "$comment",
                                          "title",
                                          "description",
                                          "type",
                                          "properties",
                                          "required",
                                          "additionalProperties",
                                          "items",
                                          "enum",
                                          "const",
                                          "pattern",
                                          "minimum",
                                          "maximum",
                                          "minLength",
                                          "maxLength",
                                          "minItems",
                                          "maxItems",
                                          "minProperties",
                                          "oneOf",
                                          "anyOf",
                                          "allOf",
                                          "not",
                                          "if",
                                          "then",
                                          "else",
                                          "default",
                                          "examples"};
  return k;
}

void CheckKeywords(const nlohmann::json& schema, const std::string& where,
                   std::vector<std::string>* bad) {
  if (!schema.is_object()) return;
  for (const auto& [key, value] : schema.items()) {
    if (!SharedKeywords().contains(key)) bad->push_back(where + "/" + key);
    if (key == "properties" || key == "$defs") {
      for (const auto& [name, sub] : value.items())
        CheckKeywords(sub, where + "/" + key + "/" + name, bad);
    } else if (key == "oneOf" || key == "anyOf" || key == "allOf") {
      for (size_t i = 0; i < value.size(); ++i) {
        CheckKeywords(value[i], where + "/" + key + "/" + std::to_string(i), bad);
      }
    } else if (key == "items" || key == "not" || key == "if" || key == "then" || key == "else" ||
               key == "additionalProperties") {
      CheckKeywords(value, where + "/" + key, bad);
    }
  }
}

TEST(EventSchemasTest, EverySchemaIsWellFormedAndUsesSharedKeywordsOnly) {
  ASSERT_FALSE(AllSchemaVersions().empty());
  std::map<std::string, int> latest;
  for (const SchemaText& s : AllSchemaVersions()) {
    const nlohmann::json schema = nlohmann::json::parse(s.text);
    const std::string label = std::string(s.name) + " v" + std::to_string(s.version);
    EXPECT_EQ(schema["$schema"], "https://json-schema.org/draft/2020-12/schema") << label;
    EXPECT_EQ(schema["$id"], "https://claims.example/schemas/" + std::string(s.name) + "/v" +
                                 std::to_string(s.version) + ".json")
        << label;
    EXPECT_TRUE(schema.contains("title") && schema.contains("description")) << label;
    std::vector<std::string> bad;
    CheckKeywords(schema, label, &bad);
    EXPECT_TRUE(bad.empty()) << ::testing::PrintToString(bad);
    // Versions are 1, 2, ... with no gap: a registry's history.
    EXPECT_EQ(s.version, latest[std::string(s.name)] + 1) << label;
    latest[std::string(s.name)] = s.version;
  }
}

TEST(EventSchemasTest, ExamplesMatchAndCounterExamplesDoNot) {
  for (const SchemaText& s : AllSchemaVersions()) {
    const std::string v = "v" + std::to_string(s.version);
    const nlohmann::json examples = ReadJson(SchemaDir(s.name) / (v + ".examples.json"));
    ASSERT_FALSE(examples.empty()) << s.name << " " << v;
    for (const nlohmann::json& e : examples) {
      const Status st = ValidateMessage(s.name, e, s.version);
      EXPECT_TRUE(st.ok()) << s.name << " " << v << ": " << st.ToString() << "\n" << e.dump();
    }
    const std::filesystem::path invalid = SchemaDir(s.name) / (v + ".invalid.json");
    if (!std::filesystem::exists(invalid)) continue;
    for (const nlohmann::json& e : ReadJson(invalid)) {
      const Status st = ValidateMessage(s.name, e, s.version);
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << s.name << " " << v << " took\n"
                                                         << e.dump();
      EXPECT_NE(st.message().find("does not match schema " + std::string(s.name)),
                std::string::npos);
    }
  }
}

// BACKWARD: a consumer with the new schema reads what producers of the previous one wrote.
TEST(EventSchemasTest, EachVersionAcceptsThePreviousVersionsExamples) {
  int pairs = 0;
  for (const SchemaText& s : AllSchemaVersions()) {
    if (s.version == 1) continue;
    const nlohmann::json previous =
        ReadJson(SchemaDir(s.name) / ("v" + std::to_string(s.version - 1) + ".examples.json"));
    for (const nlohmann::json& e : previous) {
      const Status st = ValidateMessage(s.name, e, s.version);
      EXPECT_TRUE(st.ok()) << s.name << " v" << s.version << " refuses a v" << s.version - 1
                           << " message: " << st.ToString();
    }
    ++pairs;
  }
  EXPECT_GT(pairs, 0) << "no schema has a second version to check";
}

// The check is not vacuous: a v2 that required its new field would refuse v1's messages.
TEST(EventSchemasTest, ABreakingChangeFailsTheBackwardCheck) {
  nlohmann::json breaking = ReadJson(SchemaDir("claim-state-changed") / "v2.json");
  breaking["required"].push_back("provider");
  const nlohmann::json v1 = ReadJson(SchemaDir("claim-state-changed") / "v1.examples.json");
  for (const nlohmann::json& e : v1) {
    EXPECT_TRUE(ValidateMessage("claim-state-changed", e, 2).ok());
    const Status st = ValidateAgainstSchema(breaking, e);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(st.message().find("provider"), std::string::npos) << st.message();
  }
}

TEST(EventSchemasTest, EveryTopicThatCarriesEventsHasASchema) {
  for (const TopicSpec& t : PrimaryTopics()) {
    EXPECT_FALSE(SchemaForTopic(t.name).empty()) << t.name;
  }
  EXPECT_EQ(SchemaForTopic("saa-claim.submitted"), "claim-submission");
  EXPECT_EQ(SchemaForTopic("saa-claim.updated"), "claim-state-changed");
  EXPECT_EQ(SchemaForTopic("saa-claim.submitted.dlq"), "");
  EXPECT_EQ(SchemaForTopic("payment-commands.dlq"), "");
  EXPECT_EQ(ValidateMessage("no-such-schema", nlohmann::json::object()).code(),
            StatusCode::kNotFound);
}

TEST(EventSchemasTest, WhatThisLibrarysProducersBuildMatchesItsTopicsSchema) {
  const EventSource source{"claim-service", "claim-1"};
  PaymentCommand c;
  c.event_id = "c1/v3/PAYMENT_REQUESTED";
  c.type = PaymentCommandType::kPaymentRequested;
  c.issued_at = "2026-12-01T10:00:00.000Z";
  c.claim_id = "c1";
  c.payment_id = "pay-c1";
  c.amount_cents = 2550;
  c.provider_npi = "1234567890";
  c.attempt = 1;
  const OutgoingEvent command = EncodePaymentCommand(c, source);
  EXPECT_TRUE(
      ValidateMessage(SchemaForTopic(command.topic), nlohmann::json::parse(command.payload)).ok());
  for (PaymentResultType type :
       {PaymentResultType::kPaymentSettled, PaymentResultType::kPaymentDeclined,
        PaymentResultType::kAttemptFailed}) {
    PaymentResult r;
    r.event_id = c.event_id + "/result";
    r.type = type;
    r.occurred_at = c.issued_at;
    r.claim_id = c.claim_id;
    r.payment_id = c.payment_id;
    r.command_id = c.event_id;
    r.command_type = c.type;
    r.amount_cents = c.amount_cents;
    r.reason = type == PaymentResultType::kPaymentSettled ? "" : "declined";
    r.transient = true;
    const OutgoingEvent result = EncodePaymentResult(r, source);
    const Status st =
        ValidateMessage(SchemaForTopic(result.topic), nlohmann::json::parse(result.payload));
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
}

}  // namespace
}  // namespace claims
