#include "claim_service/dead_letter_routes.h"

#include <memory>

#include "shared/dead_letters.h"
#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/kafka_inspect.h"
#include "shared/topic_catalog.h"
#include "shared/url.h"

namespace claims {
namespace {

constexpr std::chrono::seconds kKafkaTimeout{10};
constexpr int64_t kDefaultLimit = 100;
constexpr int64_t kMaxLimit = 1000;
constexpr size_t kMaxRedrive = 10000;

std::string OriginalTopic(const std::string& dlq_topic) {
  return dlq_topic.substr(0, dlq_topic.size() - 4);  // without ".dlq"
}

HttpResponse ListTopicsRoute(const KafkaSettings& kafka, const HttpRequest& request) {
  StatusOr<std::unique_ptr<KafkaInspector>> inspector = KafkaInspector::Create(kafka);
  if (!inspector.ok()) return RequestFailed(request, inspector.status());
  StatusOr<std::map<std::string, int>> topics = (*inspector)->ListTopics(kKafkaTimeout);
  if (!topics.ok()) return RequestFailed(request, topics.status());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [topic, partitions] : *topics) {
    if (!topic.ends_with(".dlq")) continue;
    StatusOr<std::vector<PartitionWatermarks>> marks =
        (*inspector)->Watermarks(topic, kKafkaTimeout);
    if (!marks.ok()) return RequestFailed(request, marks.status());
    int64_t count = 0;
    for (const PartitionWatermarks& w : *marks) count += w.high - w.low;
    out.push_back({{"topic", topic},
                   {"for", OriginalTopic(topic)},
                   {"partitions", partitions},
                   {"count", count}});
  }
  return JsonResponse(200, {{"topics", out}}).WithHeader("Cache-Control", "no-store");
}

// One criterion of the selection a request names, from the query (GET) or the body (POST), or
// its error. False when `name` is not a criterion.
bool ReadCriterion(const std::string& location, const std::string& name, const nlohmann::json& v,
                   DeadLetterSelection* s, FieldErrors* errors) {
  const std::string where = location + "." + name;
  if (name == "partition") {
    std::optional<int64_t> n;
    if (v.is_number_integer()) n = v.get<int64_t>();
    if (v.is_string()) n = ParseWholeNumber(v.get<std::string>());
    if (!n || *n < 0 || *n > 100000) {
      errors->push_back({where, "must be a partition number, 0 or more"});
    } else {
      s->partition = static_cast<int>(*n);
    }
  } else if (name == "offsets") {
    int64_t first = 0;
    int64_t last = 0;
    if (!v.is_string() || !ParseOffsetRange(v.get<std::string>(), &first, &last)) {
      errors->push_back({where, "must be an offset N or a range A-B (inclusive), as text"});
    } else {
      s->offsets = v.get<std::string>();
    }
  } else if (name == "error" || name == "key") {
    if (!v.is_string() || v.get<std::string>().empty()) {
      errors->push_back({where, "must be a text, not empty"});
    } else {
      (name == "error" ? s->error : s->key) = v.get<std::string>();
    }
  } else {
    return false;
  }
  return true;
}

HttpResponse ListDeadLettersRoute(const KafkaSettings& kafka, const HttpRequest& request) {
  const std::string topic = DeadLetterTopicFor(request.path_params.at("topic"));
  DeadLetterSelection selection;
  DeadLetterPage page;
  page.keep = kDefaultLimit;
  FieldErrors errors;
  for (const auto& [name, value] : request.query) {
    if (name == "limit") {
      const auto n = ParsePageLimit(value, kMaxLimit);
      if (!n) {
        errors.push_back({"query.limit", "must be a whole number, 1 or more"});
      } else {
        page.keep = static_cast<size_t>(*n);
      }
    } else if (name == "from") {
      if (!ParsePagePosition(value, &page.from_partition, &page.from_offset)) {
        errors.push_back({"query.from", "must be a position partition:offset (the answer's next)"});
      }
    } else if (!ReadCriterion("query", name, value, &selection, &errors)) {
      errors.push_back({"query." + name,
                        "is not a filter of dead letters (partition, offsets, "
                        "error, key, limit, from)"});
    }
  }
  if (!errors.empty()) return ValidationFailed(errors);
  StatusOr<DeadLetters> read = ReadDeadLetters(kafka, topic, selection, page, kKafkaTimeout);
  if (!read.ok()) return RequestFailed(request, read.status());  // 404: no such topic
  nlohmann::json letters = nlohmann::json::array();
  for (const KafkaMessage& m : read->picked) letters.push_back(DeadLetterJson(m));
  return JsonResponse(200, {{"topic", topic},
                            {"for", OriginalTopic(topic)},
                            {"total", read->total},
                            {"selected", read->selected},
                            {"dead_letters", letters},
                            {"next", read->next.empty() ? nlohmann::json(nullptr)
                                                        : nlohmann::json(read->next)}})
      .WithHeader("Cache-Control", "no-store");
}

HttpResponse RedriveRoute(const KafkaSettings& kafka, const HttpRequest& request) {
  const std::string topic = DeadLetterTopicFor(request.path_params.at("topic"));
  nlohmann::json body;
  HttpResponse problem;
  if (!ParseJsonBody(request, &body, &problem)) return problem;
  DeadLetterSelection selection;
  bool all = false;
  bool dry_run = false;
  FieldErrors errors;
  if (!body.is_object()) {
    errors.push_back({"body", R"(must be an object: {"partition": 0, "offsets": "3-5"})"});
  } else {
    for (const auto& [name, value] : body.items()) {
      if (name == "all" || name == "dry_run") {
        if (!value.is_boolean()) {
          errors.push_back({"body." + name, "must be true or false"});
        } else {
          (name == "all" ? all : dry_run) = value.get<bool>();
        }
      } else if (!ReadCriterion("body", name, value, &selection, &errors)) {
        errors.push_back({"body." + name,
                          "is not a field of a re-drive (partition, offsets, "
                          "error, key, all, dry_run)"});
      }
    }
    if (errors.empty() && !selection.Any() && !all) {
      errors.push_back({"body",
                        "say which dead letters to re-drive (partition, offsets, error, "
                        "key) or \"all\": true"});
    }
    if (errors.empty() && selection.Any() && all) {
      errors.push_back({"body.all", "is for every dead letter: give it without other criteria"});
    }
  }
  if (!errors.empty()) return ValidationFailed(errors);
  // Every chosen one is read (nothing else is kept), at most kMaxRedrive of them.
  DeadLetterPage page = DeadLetterPage::Everything();
  page.keep = kMaxRedrive;
  StatusOr<DeadLetters> read = ReadDeadLetters(kafka, topic, selection, page, kKafkaTimeout);
  if (!read.ok()) return RequestFailed(request, read.status());  // 404: no such topic
  if (!read->next.empty()) {
    return ValidationFailed(
        {{"body", std::to_string(read->selected) + " dead letters are chosen; a re-drive takes " +
                      "at most " + std::to_string(kMaxRedrive) +
                      ": choose fewer (partition and offsets)"}});
  }
  const RedrivePlan plan = PlanRedrive(topic, read->picked);
  if (!dry_run && !plan.events.empty()) {
    const Status published = PublishRedrive(kafka, plan, kKafkaTimeout);
    if (!published.ok()) {
      return RequestFailed(request,
                           Unavailable("the re-drive was not confirmed (" + published.message() +
                                       "); some may have been published, and consumers "
                                       "deduplicate, so send it again"));
    }
    Log(LogLevel::kInfo, "dead letters re-driven",
        {{"request_id", request.request_id},
         {"by", request.principal.Label()},
         {"topic", topic},
         {"count", plan.events.size()},
         {"redriven", plan.taken}});
  }
  return JsonResponse(200, {{"topic", topic},
                            {"dry_run", dry_run},
                            {"total", read->total},
                            {"redriven", plan.taken},
                            {"left_alone", plan.refused}});
}

}  // namespace

void AddDeadLetterRoutes(const KafkaSettings& kafka, Router* router) {
  auto settings = std::make_shared<KafkaSettings>(kafka);
  settings->client_id += "-dead-letters";
  router->Add(
      "GET", "/dead-letters",
      [settings](const HttpRequest& r) { return ListTopicsRoute(*settings, r); },
      RouteAccess::kOperator);
  router->Add(
      "GET", "/dead-letters/{topic}",
      [settings](const HttpRequest& r) { return ListDeadLettersRoute(*settings, r); },
      RouteAccess::kOperator);
  router->Add(
      "POST", "/dead-letters/{topic}/redrive",
      [settings](const HttpRequest& r) { return RedriveRoute(*settings, r); },
      RouteAccess::kOperator);
}

}  // namespace claims
