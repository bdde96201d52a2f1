#include "shared/event_schemas.h"

#include <cctype>
#include <locale>
#include <map>
#include <memory>
#include <mutex>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "shared/topic_catalog.h"

namespace claims {
namespace {

constexpr size_t kMaxReportedErrors = 5;

struct ParsedSchema {
  nlohmann::json document;  // valijson's schema refers into it
  valijson::Schema schema;
};

// libstdc++'s ctype<char> fills its narrow() and widen() caches on first use of each character,
// without a lock (GCC bug 77704). Each thread's validator compiles `pattern` regular expressions,
// which narrow every character of the pattern: fill both caches once, before any thread can.
void FillCharacterCaches() {
  const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
  for (int c = 0; c < 256; ++c) {
    (void)ctype.narrow(static_cast<char>(c), '\0');
    (void)ctype.widen(static_cast<char>(c));
  }
}

// Parsed on first use, then only read (valijson validates a parsed schema from many threads).
const std::map<std::pair<std::string, int>, std::unique_ptr<ParsedSchema>>& Parsed() {
  static const auto* parsed = [] {
    FillCharacterCaches();
    auto* all = new std::map<std::pair<std::string, int>, std::unique_ptr<ParsedSchema>>();
    for (const SchemaText& s : AllSchemaVersions()) {
      auto p = std::make_unique<ParsedSchema>();
      p->document = nlohmann::json::parse(s.text);
      valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
      valijson::adapters::NlohmannJsonAdapter adapter(p->document);
      parser.populateSchema(adapter, p->schema);
      (*all)[{std::string(s.name), s.version}] = std::move(p);
    }
    return all;
  }();
  return *parsed;
}

Status Validate(const valijson::Schema& schema, const std::string& label,
                const nlohmann::json& message) {
  // One validator per thread: it keeps the compiled regular expressions of `pattern`
  // constraints (compiling them is most of a validation's cost: a payment command took 367 us
  // with a new validator per message, 8.9 us with this one; measured on the build machine).
  thread_local valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(message);
  if (validator.validate(schema, target, &results)) return Status::Ok();
  std::string why = "does not match schema " + label + ":";
  valijson::ValidationResults::Error error;
  size_t reported = 0;
  while (reported < kMaxReportedErrors && results.popError(error)) {
    // valijson follows each violation with one per enclosing schema ("Failed to validate
    // against schema associated with property name 'x'"), which adds nothing.
    if (error.description.starts_with("Failed to validate against")) continue;
    // The path as a field name: <root>[policy_details][policy_id] -> policy_details.policy_id.
    std::string where;
    for (const std::string& part : error.context) {
      if (part == "<root>") continue;
      const std::string name = part.size() >= 2 && part.front() == '[' && part.back() == ']'
                                   ? part.substr(1, part.size() - 2)
                                   : part;
      const bool index = !name.empty() && std::isdigit(static_cast<unsigned char>(name[0]));
      where += index ? "[" + name + "]" : (where.empty() ? "" : ".") + name;
    }
    std::string what = error.description;
    if (what == "Failed to match against any enum values.")
      what = "is not one of the allowed values";
    if (what.ends_with('.')) what.pop_back();
    why += (reported++ == 0 ? " " : "; ") + (where.empty() ? "message" : where) + ": " + what;
  }
  return InvalidArgument(why);
}

}  // namespace

std::string_view SchemaForTopic(std::string_view topic) {
  if (topic == topics::kPolicyCreated || topic == topics::kPolicyUpdated ||
      topic == topics::kPolicyDeleted) {
    return "policy-event";
  }
  if (topic == topics::kClaimEvents || topic.ends_with("-claim.updated")) {
    return "claim-state-changed";
  }
  if (topic == topics::kPaymentCommands) return "payment-command";
  if (topic == topics::kPaymentEvents) return "payment-result";
  if (topic == topics::kClaimPaymentsJoined) return "claim-payment-joined";
  if (ProviderOfSubmittedTopic(topic)) return "claim-submission";
  return "";
}

Status ValidateMessage(std::string_view name, const nlohmann::json& message, int version) {
  const auto& parsed = Parsed();
  const ParsedSchema* schema = nullptr;
  int found_version = 0;
  for (const auto& [key, p] : parsed) {
    if (key.first != name || (version != 0 && key.second != version)) continue;
    if (key.second > found_version) {
      schema = p.get();
      found_version = key.second;
    }
  }
  if (schema == nullptr) {
    return NotFound("no schema " + std::string(name) +
                    (version != 0 ? " version " + std::to_string(version) : ""));
  }
  return Validate(schema->schema, std::string(name) + " v" + std::to_string(found_version),
                  message);
}

Status ValidateAgainstSchema(const nlohmann::json& schema, const nlohmann::json& message) {
  valijson::Schema parsed;
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(schema);
    parser.populateSchema(adapter, parsed);
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("the schema does not parse: ") + e.what());
  }
  return Validate(parsed, schema.value("$id", std::string("(given)")), message);
}

}  // namespace claims
