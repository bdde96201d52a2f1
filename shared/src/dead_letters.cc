#include "shared/dead_letters.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>

#include <prometheus/registry.h>

#include "shared/json_limits.h"
#include "shared/kafka_inspect.h"
#include "shared/kafka_publisher.h"
#include "shared/topic_catalog.h"

namespace claims {

bool ParseOffsetRange(const std::string& text, int64_t* first, int64_t* last) {
  const size_t dash = text.find('-');
  try {
    size_t used = 0;
    *first = std::stoll(text.substr(0, dash), &used);
    if (used != (dash == std::string::npos ? text.size() : dash)) return false;
    *last = *first;
    if (dash != std::string::npos) {
      const std::string rest = text.substr(dash + 1);
      *last = std::stoll(rest, &used);
      if (used != rest.size()) return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  return *first >= 0 && *first <= *last;
}

std::string DeadLetterTopicFor(const std::string& topic) {
  return topic.ends_with(".dlq") ? topic : DeadLetterTopic(topic);
}

std::string HeaderOf(const KafkaMessage& m, const std::string& name) {
  const auto it = m.headers.find(name);
  return it == m.headers.end() ? std::string() : it->second;
}

bool IsSelected(const DeadLetterSelection& s, const KafkaMessage& m) {
  if (s.partition >= 0 && m.partition != s.partition) return false;
  if (!s.offsets.empty()) {
    int64_t first = 0;
    int64_t last = -1;
    if (!ParseOffsetRange(s.offsets, &first, &last)) return false;
    if (m.offset < first || m.offset > last) return false;
  }
  if (!s.error.empty() && HeaderOf(m, "error").find(s.error) == std::string::npos) return false;
  if (!s.key.empty() && m.key != s.key) return false;
  return true;
}

// The size of the value a stub dead letter left out (DeadLetter in kafka_consumer.h), or null.
nlohmann::json ValueDropped(const KafkaMessage& m) {
  std::string dropped = HeaderOf(m, "value_dropped");
  if (dropped.empty()) return nullptr;
  try {
    return std::stoll(dropped);
  } catch (const std::exception&) {
    return dropped;
  }
}

nlohmann::json DeadLetterJson(const KafkaMessage& m) {
  nlohmann::json other = nlohmann::json::object();
  for (const auto& [name, value] : m.headers) {
    if (!IsDeadLetterHeader(name)) other[name] = value;
  }
  // Parsed within the usual limits, so a value nested 100,000 deep (which the intake refused)
  // is shown as its text rather than copied and printed recursively.
  std::string error;
  bool too_large = false;
  const nlohmann::json value = ParseBoundedJson(m.value, &error, &too_large);
  return {{"topic", m.topic},
          {"partition", m.partition},
          {"offset", m.offset},
          {"key", m.key},
          {"error", HeaderOf(m, "error")},
          {"original_topic", HeaderOf(m, "original_topic")},
          {"original_partition", HeaderOf(m, "original_partition")},
          {"original_offset", HeaderOf(m, "original_offset")},
          {"redriven_from", HeaderOf(m, "redriven_from")},
          {"headers", other},
          {"value", value.is_discarded() ? nlohmann::json(m.value) : value},
          {"value_dropped", ValueDropped(m)}};
}

OutgoingEvent RedriveEvent(const KafkaMessage& dead) {
  OutgoingEvent event;
  event.topic = HeaderOf(dead, "original_topic");
  event.key = dead.key;
  event.event_id = dead.EventId();
  event.payload = dead.value;
  for (const auto& [name, value] : dead.headers) {
    if (name != "error" && name != "redriven_from" && name != "event_id") {
      event.headers.emplace_back(name, value);
    }
  }
  event.headers.emplace_back("redriven_from", dead.topic + "/" + std::to_string(dead.partition) +
                                                  "/" + std::to_string(dead.offset));
  return event;
}

DeadLetterPage DeadLetterPage::Everything() {
  DeadLetterPage page;
  page.keep = SIZE_MAX;
  page.scan = SIZE_MAX;
  page.scan_bytes = SIZE_MAX;
  return page;
}

bool ParsePagePosition(const std::string& text, int* partition, int64_t* offset) {
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return false;
  const std::string p = text.substr(0, colon);
  const std::string o = text.substr(colon + 1);
  const auto whole = [](const std::string& t, auto* out) {
    const auto [end, err] = std::from_chars(t.data(), t.data() + t.size(), *out);
    return !t.empty() && err == std::errc() && end == t.data() + t.size() && *out >= 0;
  };
  return whole(p, partition) && whole(o, offset);
}

StatusOr<DeadLetters> ReadDeadLetters(const KafkaSettings& settings, const std::string& dlq_topic,
                                      const DeadLetterSelection& selection,
                                      const DeadLetterPage& page,
                                      std::chrono::milliseconds timeout) {
  if (int64_t a = 0, b = 0;
      !selection.offsets.empty() && !ParseOffsetRange(selection.offsets, &a, &b)) {
    return InvalidArgument("offsets must be N or A-B, not '" + selection.offsets + "'");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  StatusOr<std::unique_ptr<KafkaInspector>> inspector = KafkaInspector::Create(settings);
  if (!inspector.ok()) return inspector.status();
  StatusOr<std::vector<PartitionWatermarks>> marks = (*inspector)->Watermarks(dlq_topic, timeout);
  if (!marks.ok()) return marks.status();
  DeadLetters out;
  for (const PartitionWatermarks& m : *marks) out.total += static_cast<size_t>(m.high - m.low);
  size_t scanned = 0;
  size_t bytes = 0;
  bool stopped = false;
  for (const PartitionWatermarks& m : *marks) {
    if (stopped) break;
    if (m.partition < page.from_partition) continue;
    if (selection.partition >= 0 && m.partition != selection.partition) continue;
    const int64_t first =
        std::max(m.low, m.partition == page.from_partition ? page.from_offset : m.low);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const Status read = (*inspector)
                            ->ScanPartition(
                                dlq_topic, m.partition, first, m.high,
                                [&](KafkaMessage&& message) {
                                  if (scanned >= page.scan || bytes >= page.scan_bytes) {
                                    if (out.next.empty()) {
                                      out.next = std::to_string(message.partition) + ":" +
                                                 std::to_string(message.offset);
                                    }
                                    stopped = true;
                                    return false;
                                  }
                                  ++scanned;
                                  bytes += message.key.size() + message.value.size();
                                  if (!IsSelected(selection, message)) return true;
                                  ++out.selected;
                                  if (out.picked.size() < page.keep) {
                                    out.picked.push_back(std::move(message));
                                  } else if (out.next.empty()) {
                                    out.next = std::to_string(message.partition) + ":" +
                                               std::to_string(message.offset);
                                  }
                                  return true;
                                },
                                std::max(left, std::chrono::milliseconds(1)));
    if (!read.ok()) return read;
  }
  return out;
}

RedrivePlan PlanRedrive(const std::string& dlq_topic, const std::vector<KafkaMessage>& picked) {
  RedrivePlan plan;
  for (const KafkaMessage& m : picked) {
    OutgoingEvent event = RedriveEvent(m);
    if (const std::string dropped = HeaderOf(m, "value_dropped"); !dropped.empty()) {
      plan.refused.push_back(
          {{"partition", m.partition},
           {"offset", m.offset},
           {"reason", "its value (" + dropped +
                          " bytes) was too large to keep in the dead-letter topic; the message "
                          "is at " +
                          HeaderOf(m, "original_topic") + "/" + HeaderOf(m, "original_partition") +
                          "/" + HeaderOf(m, "original_offset") + " while that topic keeps it"}});
      continue;
    }
    if (DeadLetterTopic(event.topic) != dlq_topic) {
      plan.refused.push_back({{"partition", m.partition},
                              {"offset", m.offset},
                              {"reason", "names '" + event.topic + "' as its topic, not the one " +
                                             dlq_topic + " is for"}});
      continue;
    }
    plan.taken.push_back(
        {{"partition", m.partition}, {"offset", m.offset}, {"key", m.key}, {"to", event.topic}});
    plan.events.push_back(std::move(event));
  }
  return plan;
}

Status PublishRedrive(const KafkaSettings& settings, const RedrivePlan& plan,
                      std::chrono::milliseconds timeout) {
  if (plan.events.empty()) return Status::Ok();
  prometheus::Registry registry;  // a short-lived producer: its counters are not kept
  StatusOr<std::unique_ptr<KafkaEventPublisher>> publisher =
      KafkaEventPublisher::Create(settings, registry);
  if (!publisher.ok()) return publisher.status();
  return (*publisher)->PublishAll(plan.events, timeout);
}

}  // namespace claims
