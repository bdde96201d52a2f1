#include "shared/event_stats.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cmath>

#include "shared/clock.h"
#include "shared/json_limits.h"
#include "shared/json_log.h"
#include "shared/kafka_inspect.h"
#include "shared/topic_catalog.h"

namespace claims {
namespace {

double Round1(double v) { return std::round(v * 10) / 10; }

}  // namespace

double EventStats::Counter::Rate(Clock::time_point now) const {
  if (samples.empty()) return 0;
  const double seconds = std::chrono::duration<double>(now - samples.front().first).count();
  return seconds < 0.5 ? 0 : static_cast<double>(count - samples.front().second) / seconds;
}

void EventStats::Add(const KafkaMessage& m) {
  // Within the usual limits (a provider's topic may hold anything, nested 100,000 deep).
  std::string error;
  bool too_large = false;
  const nlohmann::json value = ParseBoundedJson(m.value, &error, &too_large);
  std::string type = "-";
  if (value.is_object() && value.contains("event_type") && value["event_type"].is_string()) {
    type = value["event_type"].get<std::string>();
  }
  std::lock_guard lock(mu_);
  TopicCounts& t = topics_[m.topic];
  ++t.all.count;
  // A producer names its own event types: past kMaxEventTypes per topic (or past 64 bytes),
  // they are counted together.
  if (type.size() > 64 || (!t.types.contains(type) && t.types.size() >= kMaxEventTypes)) {
    type = kOtherEventTypes;
  }
  ++t.types[type].count;
  if (m.topic != topics::kClaimEvents || type != "CLAIM_STATE_CHANGED") return;
  const auto text = [&](const char* field) {
    return value.contains(field) && value[field].is_string() ? value[field].get<std::string>()
                                                             : std::string();
  };
  const std::string claim = text("claim_id");
  const std::string to = text("to");
  const int64_t version = value.contains("version") && value["version"].is_number_integer()
                              ? value["version"].get<int64_t>()
                              : 0;
  if (claim.empty() || to.empty()) return;
  ClaimState& state = claims_[claim];
  if (version < state.version) return;  // an older change published again
  if (!state.state.empty() && --claims_by_state_[state.state] == 0) {
    claims_by_state_.erase(state.state);
  }
  state = {version, to};
  ++claims_by_state_[to];
}

void EventStats::Sample(Clock::time_point now, bool restart) {
  std::lock_guard lock(mu_);
  const auto sample = [now, restart](Counter& c) {
    if (restart) c.samples.clear();
    c.samples.emplace_back(now, c.count);
    while (c.samples.size() > 1 && now - c.samples.front().first > kWindow) c.samples.pop_front();
  };
  for (auto& [name, t] : topics_) {
    sample(t.all);
    for (auto& [type, c] : t.types) sample(c);
  }
}

nlohmann::json EventStats::Topics() const {
  const Clock::time_point now = Clock::now();
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, t] : topics_) {
    nlohmann::json types = nlohmann::json::object();
    for (const auto& [type, c] : t.types) {
      types[type] = {{"count", c.count}, {"rate_per_s", Round1(c.Rate(now))}};
    }
    out[name] = {{"messages", t.all.count},
                 {"rate_per_s", Round1(t.all.Rate(now))},
                 {"dead_letter", name.ends_with(".dlq")},
                 {"event_types", types}};
  }
  return out;
}

nlohmann::json EventStats::ClaimsByState() const {
  std::lock_guard lock(mu_);
  return claims_by_state_;
}

StatusOr<std::unique_ptr<EventStatsReader>> EventStatsReader::Start(const KafkaSettings& settings) {
  StatusOr<rd_kafka_t*> rk =
      NewAssignOnlyConsumer(settings, "claims-event-stats", /*partition_eof=*/false);
  if (!rk.ok()) return rk.status();
  std::unique_ptr<EventStatsReader> reader(new EventStatsReader());
  reader->settings_ = settings;
  reader->rk_ = *rk;
  reader->thread_ = std::thread([r = reader.get()] { r->Run(); });
  return reader;
}

EventStatsReader::~EventStatsReader() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

void EventStatsReader::Assign() {
  const rd_kafka_metadata_t* metadata = nullptr;
  // All topics, never one by name: the embedded broker creates a topic a request names.
  if (rd_kafka_metadata(rk_, 1, nullptr, &metadata, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  std::map<std::string, int> found;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = metadata->topics[i];
    const std::string name = t.topic;
    if (t.err == RD_KAFKA_RESP_ERR_NO_ERROR && !name.starts_with("__")) {
      found[name] = t.partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  std::lock_guard lock(mu_);
  if (found == topics_) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(0);
  for (const auto& [name, partitions] : found) {
    for (int p = 0; p < partitions; ++p) {
      const auto it = next_.find({name, p});
      rd_kafka_topic_partition_list_add(list, name.c_str(), p)->offset =
          it == next_.end() ? RD_KAFKA_OFFSET_BEGINNING : it->second;
    }
  }
  rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  topics_ = std::move(found);
}

void EventStatsReader::Run() {
  auto next_refresh = EventStats::Clock::now();
  auto next_sample = EventStats::Clock::now();
  while (!stop_.load()) {
    const auto now = EventStats::Clock::now();
    if (now >= next_refresh || refresh_.exchange(false)) {
      Assign();
      next_refresh = now + std::chrono::seconds(5);
    }
    if (now >= next_sample) {
      stats_.Sample(now);
      next_sample = now + std::chrono::seconds(1);
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    for (int taken = 0; m != nullptr; ++taken) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const KafkaMessage copy = CopyKafkaMessage(*m);
        stats_.Add(copy);
        std::lock_guard lock(mu_);
        next_[{copy.topic, copy.partition}] = copy.offset + 1;
      }
      rd_kafka_message_destroy(m);
      m = taken < 1000 ? rd_kafka_consumer_poll(rk_, 0) : nullptr;
    }
  }
}

bool EventStatsReader::WaitCaughtUp(std::chrono::milliseconds timeout) {
  const auto deadline = EventStats::Clock::now() + timeout;
  auto inspector = KafkaInspector::Create(settings_);
  if (!inspector.ok()) return false;
  auto topics = (*inspector)->ListTopics(timeout);
  if (!topics.ok()) return false;
  std::map<std::pair<std::string, int>, int64_t> ends;  // partitions with messages, to their end
  for (const auto& [name, partitions] : *topics) {
    auto marks = (*inspector)->Watermarks(name, timeout);
    if (!marks.ok()) return false;
    for (const PartitionWatermarks& m : *marks) {
      if (m.high > m.low) ends[{name, m.partition}] = m.high;
    }
  }
  refresh_ = true;  // assign topics made since the last refresh now
  while (EventStats::Clock::now() < deadline) {
    bool done = true;
    {
      std::lock_guard lock(mu_);
      for (const auto& [tp, end] : ends) {
        const auto it = next_.find(tp);
        if (it == next_.end() || it->second < end) {
          done = false;
          break;
        }
      }
    }
    if (done) {
      // Reading the backlog is not traffic: rates count from here.
      stats_.Sample(EventStats::Clock::now(), /*restart=*/true);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

nlohmann::json EventStatsReader::Snapshot(std::chrono::milliseconds timeout) {
  std::lock_guard snapshot_lock(snapshot_mu_);
  nlohmann::json topics = stats_.Topics();
  std::map<std::string, int> known;
  {
    std::lock_guard lock(mu_);
    known = topics_;
  }
  nlohmann::json dead = nlohmann::json::object();
  for (const auto& [name, partitions] : known) {
    if (!topics.contains(name)) {
      topics[name] = {{"messages", 0},
                      {"rate_per_s", 0.0},
                      {"dead_letter", name.ends_with(".dlq")},
                      {"event_types", nlohmann::json::object()}};
    }
    topics[name]["partitions"] = partitions;
    if (name.ends_with(".dlq")) dead[name] = topics[name]["messages"];
  }
  nlohmann::json groups = nlohmann::json::object();
  for (const ConsumerGroupSpec& spec : ConsumerGroups()) {
    std::map<std::string, int> consumed;
    for (const auto& [name, partitions] : known) {
      const bool mine =
          (spec.provider_topics && ProviderOfSubmittedTopic(name).has_value()) ||
          std::find(spec.topics.begin(), spec.topics.end(), name) != spec.topics.end();
      if (mine) consumed[name] = partitions;
    }
    const std::string group(spec.name);
    nlohmann::json g = {{"lag", 0}, {"topics", nlohmann::json::object()}};
    if (consumed.empty()) {
      groups[group] = g;
      continue;
    }
    auto& reader = group_offsets_[group];
    if (!reader) {
      auto created = GroupOffsets::Create(settings_, group);
      if (!created.ok()) {
        groups[group] = {{"error", created.status().message()}};
        continue;
      }
      reader = std::move(*created);
    }
    auto committed = reader->Committed(consumed, timeout);
    if (!committed.ok()) {
      groups[group] = {{"error", committed.status().message()}};
      continue;
    }
    int64_t lag = 0;
    for (const auto& [name, partitions] : consumed) {
      int64_t topic_lag = 0;
      int64_t topic_end = 0;
      int64_t topic_committed = 0;
      for (int p = 0; p < partitions; ++p) {
        int64_t low = 0;
        int64_t high = 0;
        // The reader fetches every partition, so the client knows the ends without asking.
        if (rd_kafka_get_watermark_offsets(rk_, name.c_str(), p, &low, &high) !=
                RD_KAFKA_RESP_ERR_NO_ERROR ||
            high < 0) {
          rd_kafka_query_watermark_offsets(rk_, name.c_str(), p, &low, &high,
                                           static_cast<int>(timeout.count()));
        }
        low = std::max<int64_t>(low, 0);
        high = std::max<int64_t>(high, 0);
        const int64_t at = (*committed)[name].contains(p) ? (*committed)[name][p] : -1;
        const int64_t from = at < 0 ? low : std::max(at, low);
        topic_lag += std::max<int64_t>(0, high - from);
        topic_end += high;
        topic_committed += at < 0 ? 0 : at;
      }
      g["topics"][name] = {{"lag", topic_lag}, {"end", topic_end}, {"committed", topic_committed}};
      lag += topic_lag;
    }
    g["lag"] = lag;
    groups[group] = g;
  }
  return {{"at", FormatRfc3339(std::chrono::system_clock::now())},
          {"topics", topics},
          {"dead_letters", dead},
          {"groups", groups},
          {"claims_by_state", stats_.ClaimsByState()}};
}

}  // namespace claims
