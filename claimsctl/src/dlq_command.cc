#include "dlq_command.h"

#include <iostream>
#include <memory>

#include <prometheus/registry.h>

#include "shared/kafka_inspect.h"
#include "shared/kafka_publisher.h"
#include "shared/topic_catalog.h"

namespace claimsctl {
namespace {

using claims::KafkaMessage;

constexpr std::chrono::seconds kKafkaTimeout{30};

// Which dead letters a command applies to; every criterion given must hold.
struct Selection {
  int partition = -1;   // of the dead-letter topic; -1: any
  std::string offsets;  // "N" or "A-B" (inclusive), of the dead-letter topic
  std::string error;    // a text the error contains
  std::string key;      // the message key, exactly
  bool all = false;     // redrive: no criterion, every dead letter

  bool Any() const { return partition >= 0 || !offsets.empty() || !error.empty() || !key.empty(); }
};

std::string Header(const KafkaMessage& m, const std::string& name) {
  const auto it = m.headers.find(name);
  return it == m.headers.end() ? std::string() : it->second;
}

// "saa-claim.submitted" and "saa-claim.submitted.dlq" both name the dead-letter topic.
std::string DlqTopic(const std::string& topic) {
  return topic.ends_with(".dlq") ? topic : claims::DeadLetterTopic(topic);
}

bool ParseOffsets(const std::string& text, int64_t* first, int64_t* last) {
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

bool Selected(const Selection& s, const KafkaMessage& m) {
  if (s.partition >= 0 && m.partition != s.partition) return false;
  if (!s.offsets.empty()) {
    int64_t first = 0;
    int64_t last = 0;
    ParseOffsets(s.offsets, &first, &last);
    if (m.offset < first || m.offset > last) return false;
  }
  if (!s.error.empty() && Header(m, "error").find(s.error) == std::string::npos) return false;
  if (!s.key.empty() && m.key != s.key) return false;
  return true;
}

nlohmann::json ToJson(const KafkaMessage& m) {
  nlohmann::json other = nlohmann::json::object();
  for (const auto& [name, value] : m.headers) {
    if (!claims::IsDeadLetterHeader(name)) other[name] = value;
  }
  nlohmann::json value = nlohmann::json::parse(m.value, nullptr, false);
  return {{"topic", m.topic},
          {"partition", m.partition},
          {"offset", m.offset},
          {"key", m.key},
          {"error", Header(m, "error")},
          {"original_topic", Header(m, "original_topic")},
          {"original_partition", Header(m, "original_partition")},
          {"original_offset", Header(m, "original_offset")},
          {"redriven_from", Header(m, "redriven_from")},
          {"headers", other},
          {"value", value.is_discarded() ? nlohmann::json(m.value) : value}};
}

std::string Shorten(std::string text, size_t max) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text.size() <= max ? text : text.substr(0, max - 3) + "...";
}

std::string Origin(const KafkaMessage& m) {
  return Header(m, "original_topic") + "/" + Header(m, "original_partition") + "/" +
         Header(m, "original_offset");
}

// The dead letters of `topic` that `selection` picks, or an exit code.
std::optional<std::vector<KafkaMessage>> Read(const Options& options, const std::string& topic,
                                              const Selection& selection, size_t* total,
                                              int* code) {
  if (int64_t a = 0, b = 0;
      !selection.offsets.empty() && !ParseOffsets(selection.offsets, &a, &b)) {
    std::cerr << "claimsctl: --offsets must be N or A-B, not '" << selection.offsets << "'\n";
    *code = kRefused;
    return std::nullopt;
  }
  auto inspector = claims::KafkaInspector::Create(KafkaSettingsOf(options));
  auto all = inspector.ok() ? (*inspector)->ReadAll(topic, kKafkaTimeout)
                            : claims::StatusOr<std::vector<KafkaMessage>>(inspector.status());
  if (!all.ok()) {
    std::cerr << "claimsctl: " << all.status().message() << " (brokers " << options.brokers
              << "; set --brokers or KAFKA_BOOTSTRAP_SERVERS)\n";
    *code = all.status().code() == claims::StatusCode::kNotFound ? kRefused : kUnreachable;
    return std::nullopt;
  }
  *total = all->size();
  std::vector<KafkaMessage> picked;
  for (KafkaMessage& m : *all) {
    if (Selected(selection, m)) picked.push_back(std::move(m));
  }
  return picked;
}

void AddSelection(CLI::App* command, Selection* s) {
  command->add_option("--partition", s->partition, "Only this partition of the dead-letter topic");
  command->add_option("--offsets", s->offsets, "Only these offsets: N or A-B (inclusive)");
  command->add_option("--error", s->error, "Only dead letters whose error contains this text");
  command->add_option("--key", s->key, "Only dead letters with this message key");
}

int List(const Options& options, const std::string& topic, const Selection& selection) {
  size_t total = 0;
  int code = 0;
  const auto picked = Read(options, topic, selection, &total, &code);
  if (!picked) return code;
  if (options.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const KafkaMessage& m : *picked) out.push_back(ToJson(m));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << topic << ": " << total << " dead letter" << (total == 1 ? "" : "s");
  if (picked->size() != total) std::cout << ", " << picked->size() << " selected";
  std::cout << "\n";
  for (const KafkaMessage& m : *picked) {
    std::cout << "  " << m.partition << "/" << m.offset << "  from " << Origin(m) << "  key "
              << (m.key.empty() ? "-" : m.key);
    if (!Header(m, "redriven_from").empty()) std::cout << "  (re-driven before)";
    std::cout << "\n    " << Shorten(Header(m, "error"), 160) << "\n";
  }
  return 0;
}

int Show(const Options& options, const std::string& topic, int partition, int64_t offset) {
  Selection selection;
  selection.partition = partition;
  selection.offsets = std::to_string(offset);
  size_t total = 0;
  int code = 0;
  const auto picked = Read(options, topic, selection, &total, &code);
  if (!picked) return code;
  if (picked->empty()) {
    std::cerr << "claimsctl: " << topic << " has no dead letter at " << partition << "/" << offset
              << " (claimsctl dlq list " << topic << ")\n";
    return kRefused;
  }
  const nlohmann::json m = ToJson(picked->front());
  if (options.json) {
    std::cout << m.dump(2) << "\n";
    return 0;
  }
  std::cout << "dead letter " << topic << "/" << partition << "/" << offset << "\n"
            << "  from   " << Origin(picked->front()) << "\n"
            << "  key    " << m["key"].get<std::string>() << "\n"
            << "  error  " << m["error"].get<std::string>() << "\n";
  if (!m["redriven_from"].get<std::string>().empty()) {
    std::cout << "  re-driven before, from " << m["redriven_from"].get<std::string>() << "\n";
  }
  for (const auto& [name, value] : m["headers"].items()) {
    std::cout << "  header " << name << ": " << value.get<std::string>() << "\n";
  }
  std::cout << "  value\n" << m["value"].dump(2) << "\n";
  return 0;
}

// The message to publish again: the dead letter's bytes, key and headers on the topic it came
// from, its error dropped and "redriven_from" naming the dead letter. The original position stays
// in its headers, so a consumer that keys on it (the provider intake) sees the same message.
claims::OutgoingEvent Redrive(const KafkaMessage& dead) {
  claims::OutgoingEvent event;
  event.topic = Header(dead, "original_topic");
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

int RedriveCommand(const Options& options, const std::string& topic, const Selection& selection,
                   bool dry_run) {
  if (!selection.Any() && !selection.all) {
    std::cerr << "claimsctl: say which dead letters to re-drive (--offsets, --partition, --error, "
                 "--key) or --all\n";
    return kRefused;
  }
  size_t total = 0;
  int code = 0;
  const auto picked = Read(options, topic, selection, &total, &code);
  if (!picked) return code;
  std::vector<claims::OutgoingEvent> events;
  nlohmann::json out = nlohmann::json::array();
  for (const KafkaMessage& m : *picked) {
    claims::OutgoingEvent event = Redrive(m);
    // Only back where it came from: a dead letter of this topic names the topic it is the .dlq of.
    if (claims::DeadLetterTopic(event.topic) != topic) {
      std::cerr << "claimsctl: " << m.partition << "/" << m.offset << " names '" << event.topic
                << "' as its topic, not the one " << topic << " is for; left alone\n";
      continue;
    }
    out.push_back(
        {{"partition", m.partition}, {"offset", m.offset}, {"key", m.key}, {"to", event.topic}});
    if (!options.json) {
      std::cout << (dry_run ? "would re-drive " : "re-driving ") << m.partition << "/" << m.offset
                << " to " << event.topic << "  key " << (m.key.empty() ? "-" : m.key) << "\n";
    }
    events.push_back(std::move(event));
  }
  if (events.empty()) {
    std::cerr << "claimsctl: no dead letter of " << topic << " (" << total
              << " in all) is selected\n";
    return kRefused;
  }
  if (!dry_run) {
    prometheus::Registry registry;
    auto publisher = claims::KafkaEventPublisher::Create(KafkaSettingsOf(options), registry);
    claims::Status s =
        publisher.ok() ? (*publisher)->PublishAll(events, kKafkaTimeout) : publisher.status();
    if (!s.ok()) {
      std::cerr << "claimsctl: re-drive not confirmed: " << s.message()
                << " (some may have been published; consumers deduplicate, so run it again)\n";
      return kUnreachable;
    }
  }
  if (options.json) {
    std::cout << nlohmann::json{{"dry_run", dry_run}, {"redriven", out}}.dump(2) << "\n";
  } else {
    std::cout << events.size() << " of " << total << " dead letter" << (total == 1 ? "" : "s")
              << (dry_run ? " would be" : "") << " re-driven\n";
  }
  return 0;
}

}  // namespace

void AddDlqCommand(CLI::App& app, const Options& options, std::function<int()>* run) {
  CLI::App* dlq = app.add_subcommand(
      "dlq", "Dead letters of a topic (TOPIC or TOPIC.dlq) and their re-drive, over Kafka");
  dlq->require_subcommand(1);
  auto topic = std::make_shared<std::string>();
  auto selection = std::make_shared<Selection>();

  CLI::App* list = dlq->add_subcommand("list", "The dead letters with their error and origin");
  list->add_option("topic", *topic, "The topic or its .dlq")->required();
  AddSelection(list, selection.get());
  list->callback([&options, topic, selection, run] {
    *run = [&options, topic, selection] { return List(options, DlqTopic(*topic), *selection); };
  });

  auto partition = std::make_shared<int>(0);
  auto offset = std::make_shared<int64_t>(0);
  CLI::App* show = dlq->add_subcommand("show", "One dead letter in full");
  show->add_option("topic", *topic, "The topic or its .dlq")->required();
  show->add_option("offset", *offset, "Its offset in the dead-letter topic")->required();
  show->add_option("--partition", *partition, "Its partition in the dead-letter topic")
      ->capture_default_str();
  show->callback([&options, topic, partition, offset, run] {
    *run = [&options, topic, partition, offset] {
      return Show(options, DlqTopic(*topic), *partition, *offset);
    };
  });

  auto dry_run = std::make_shared<bool>(false);
  CLI::App* redrive = dlq->add_subcommand(
      "redrive", "Publish selected dead letters again to the topic they came from");
  redrive->add_option("topic", *topic, "The topic or its .dlq")->required();
  AddSelection(redrive, selection.get());
  redrive->add_flag("--all", selection->all, "Every dead letter of the topic");
  redrive->add_flag("--dry-run", *dry_run, "Only say what would be re-driven");
  redrive->callback([&options, topic, selection, dry_run, run] {
    *run = [&options, topic, selection, dry_run] {
      return RedriveCommand(options, DlqTopic(*topic), *selection, *dry_run);
    };
  });
}

}  // namespace claimsctl
