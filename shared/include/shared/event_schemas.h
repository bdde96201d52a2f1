// The JSON Schemas of every message on the platform's topics (shared/schemas/, the repository
// being the registry: shared/schemas/README.md), built into every program, and validation
// against them with valijson. The schemas are written to draft 2020-12 using only keywords
// whose meaning draft 7 shares (a test checks), and validated with valijson's draft 7 rules.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "shared/status.h"

namespace claims {

struct SchemaText {
  std::string_view name;  // "payment-command"
  int version;            // 1, 2, ... (every published change is a new version)
  std::string_view text;  // the schema's JSON
};

// Every version of every schema, by name then version.
std::span<const SchemaText> AllSchemaVersions();

// The schema of a topic's message values ("payment-command" for payment-commands, ...), or ""
// for a topic with none (dead-letter topics carry whatever was refused).
std::string_view SchemaForTopic(std::string_view topic);

// OK when `message` matches schema `name` at `version` (0: the latest). Errors:
// kInvalidArgument naming the schema and the first violations ("<root>[amount_cents]: ...");
// kNotFound for an unknown schema. Thread-safe; each schema is parsed once.
Status ValidateMessage(std::string_view name, const nlohmann::json& message, int version = 0);

// The same against a schema given as JSON (parsed on each call: for tools and tests, such as
// checking a proposed version before it is added). kInvalidArgument also for a schema that
// does not parse.
Status ValidateAgainstSchema(const nlohmann::json& schema, const nlohmann::json& message);

}  // namespace claims
