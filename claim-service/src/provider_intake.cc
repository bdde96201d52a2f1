#include "claim_service/provider_intake.h"

#include <map>
#include <set>

#include "claim_service/provider_registry.h"
#include "shared/claim_codec.h"
#include "shared/event_schemas.h"
#include "shared/json_limits.h"
#include "shared/json_log.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

// The message as the request POST /claims would have been, from the topic's provider.
HttpRequest AsRequest(const KafkaMessage& m, const std::string& provider) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/claims";
  r.headers["content-type"] = "application/json";
  std::string key;
  for (const auto& [name, value] : m.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "idempotency-key") key = value;
  }
  // Without one, the message's first position: a re-drive of it is the same submission.
  if (key.empty()) key = "kafka:" + m.OriginalPosition().ToString();
  r.headers["idempotency-key"] = key;
  r.body = m.value;
  r.request_id =
      "kafka:" + m.topic + "/" + std::to_string(m.partition) + "/" + std::to_string(m.offset);
  r.client = "kafka";
  r.principal.key_id = "kafka";
  r.principal.provider = provider;
  return r;
}

// The problem answer's words, for the dead letter's error header.
std::string Reason(const HttpResponse& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return "refused with status " + std::to_string(response.status);
  std::string reason = body.value("detail", body.value("title", std::string("refused")));
  if (body.contains("errors") && body["errors"].is_array()) reason += ": " + body["errors"].dump();
  return reason;
}

}  // namespace

Status ApplyProviderSubmissions(const ClaimRouteDeps& deps,
                                const DeadLetterTopicCreator& create_dead_letter_topic,
                                std::span<const KafkaMessage> batch,
                                std::vector<OutgoingEvent>* dead) {
  std::map<std::string, StatusOr<ProviderRecord>> providers;  // looked up once per batch
  std::set<std::string> made_topics;
  for (const KafkaMessage& m : batch) {
    const std::optional<std::string> provider = ProviderOfSubmittedTopic(m.topic);
    StatusOr<ProviderRecord> record = NotFound("");
    if (provider) {
      auto it = providers.find(*provider);
      if (it == providers.end()) {
        const ReadConnections::Lease db = deps.reads->Acquire();
        it = providers.emplace(*provider, LoadProvider(*db, *provider)).first;
      }
      record = it->second;
    }
    if (!record.ok() && record.status().code() != StatusCode::kNotFound) return record.status();
    if (!record.ok()) {
      // A provider's platform that publishes before the operator registered it: kept for a
      // re-drive once `claimsctl provider add` has run (its topics then exist already).
      if (!provider) continue;  // the pattern matches only providers' topics
      const std::string topic = DeadLetterTopic(m.topic);
      if (!made_topics.contains(topic)) {
        const Status made = create_dead_letter_topic(topic);
        if (!made.ok()) {
          // Retrying would hold up every provider's intake for one topic nobody registered;
          // the message stays on its own topic, where an operator can still read it.
          Log(LogLevel::kError, "message of an unregistered provider skipped: no dead-letter topic",
              {{"topic", m.topic},
               {"partition", m.partition},
               {"offset", m.offset},
               {"error", made.ToString()}});
          continue;
        }
        made_topics.insert(topic);
      }
      dead->push_back(DeadLetter(m, "no provider " + *provider + " is registered"));
      continue;
    }
    if (record->removed_at) {
      dead->push_back(DeadLetter(m, "provider " + *provider + " was removed"));
      continue;
    }
    // The topic's contract (shared/schemas/claim-submission); the claim fields' own rules are
    // checked by the submission itself, with every error listed.
    // Within the limits of POST /claims, checked before anything is parsed.
    JsonLimits limits;
    limits.max_items = kMaxClaimsPerSubmission;
    std::string error;
    bool too_large = false;
    const nlohmann::json value = ParseBoundedJson(m.value, &error, &too_large, limits);
    const Status shape = value.is_discarded() ? InvalidArgument("the message is " + error)
                                              : ValidateMessage(SchemaForTopic(m.topic), value);
    if (!shape.ok()) {
      dead->push_back(DeadLetter(m, shape.message()));
      continue;
    }
    const HttpRequest request = AsRequest(m, *provider);
    const HttpResponse response = SubmitClaimsAndWait(deps, request);
    // Unavailable: the batch is tried again. Anything else refused (a 500 too: one message must
    // not hold up every provider's topics) is kept in the dead-letter topic for a re-drive.
    if (response.status == 503) return Unavailable(Reason(response));
    if (response.status >= 400) {
      dead->push_back(DeadLetter(m, Reason(response)));
      continue;
    }
    Log(LogLevel::kDebug, "claims taken from a provider's topic",
        {{"provider", *provider},
         {"topic", m.topic},
         {"partition", m.partition},
         {"offset", m.offset},
         {"request_id", request.request_id}});
  }
  return Status::Ok();
}

}  // namespace claims
