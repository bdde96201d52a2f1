#include "dlq_command.h"

#include <iostream>
#include <memory>

#include "shared/dead_letters.h"

namespace claimsctl {
namespace {

using claims::HeaderOf;
using claims::KafkaMessage;

constexpr std::chrono::seconds kKafkaTimeout{30};

// Which dead letters a command applies to: the shared selection, and --all for a re-drive.
struct Selection : claims::DeadLetterSelection {
  bool all = false;  // redrive: no criterion, every dead letter
};

std::string Shorten(std::string text, size_t max) {
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text.size() <= max ? text : text.substr(0, max - 3) + "...";
}

std::string Origin(const KafkaMessage& m) {
  return HeaderOf(m, "original_topic") + "/" + HeaderOf(m, "original_partition") + "/" +
         HeaderOf(m, "original_offset");
}

// The dead letters of `topic` that `selection` picks, or an exit code.
std::optional<std::vector<KafkaMessage>> Read(const Options& options, const std::string& topic,
                                              const Selection& selection, size_t* total,
                                              int* code) {
  if (int64_t a = 0, b = 0;
      !selection.offsets.empty() && !claims::ParseOffsetRange(selection.offsets, &a, &b)) {
    std::cerr << "claimsctl: --offsets must be N or A-B, not '" << selection.offsets << "'\n";
    *code = kRefused;
    return std::nullopt;
  }
  // The operator's own process: every dead letter chosen (values shown within the JSON limits).
  auto read = claims::ReadDeadLetters(KafkaSettingsOf(options), topic, selection,
                                      claims::DeadLetterPage::Everything(), kKafkaTimeout);
  if (!read.ok()) {
    std::cerr << "claimsctl: " << read.status().message() << " (brokers " << options.brokers
              << "; set --brokers or KAFKA_BOOTSTRAP_SERVERS)\n";
    *code = read.status().code() == claims::StatusCode::kNotFound ? kRefused : kUnreachable;
    return std::nullopt;
  }
  *total = read->total;
  return std::move(read->picked);
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
    for (const KafkaMessage& m : *picked) out.push_back(claims::DeadLetterJson(m));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << topic << ": " << total << " dead letter" << (total == 1 ? "" : "s");
  if (picked->size() != total) std::cout << ", " << picked->size() << " selected";
  std::cout << "\n";
  for (const KafkaMessage& m : *picked) {
    std::cout << "  " << m.partition << "/" << m.offset << "  from " << Origin(m) << "  key "
              << (m.key.empty() ? "-" : m.key);
    if (!HeaderOf(m, "redriven_from").empty()) std::cout << "  (re-driven before)";
    std::cout << "\n    " << Shorten(HeaderOf(m, "error"), 160) << "\n";
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
  const nlohmann::json m = claims::DeadLetterJson(picked->front());
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
  const claims::RedrivePlan plan = claims::PlanRedrive(topic, *picked);
  // Only back where it came from: a dead letter of this topic names the topic it is the .dlq of.
  for (const nlohmann::json& r : plan.refused) {
    std::cerr << "claimsctl: " << r["partition"] << "/" << r["offset"] << " "
              << r["reason"].get<std::string>() << "; left alone\n";
  }
  if (!options.json) {
    for (const nlohmann::json& t : plan.taken) {
      const std::string key = t["key"];
      std::cout << (dry_run ? "would re-drive " : "re-driving ") << t["partition"] << "/"
                << t["offset"] << " to " << t["to"].get<std::string>() << "  key "
                << (key.empty() ? "-" : key) << "\n";
    }
  }
  if (plan.events.empty()) {
    std::cerr << "claimsctl: no dead letter of " << topic << " (" << total
              << " in all) is selected\n";
    return kRefused;
  }
  if (!dry_run) {
    const claims::Status s = claims::PublishRedrive(KafkaSettingsOf(options), plan, kKafkaTimeout);
    if (!s.ok()) {
      std::cerr << "claimsctl: re-drive not confirmed: " << s.message()
                << " (some may have been published; consumers deduplicate, so run it again)\n";
      return kUnreachable;
    }
  }
  if (options.json) {
    std::cout << nlohmann::json{{"dry_run", dry_run}, {"redriven", plan.taken}}.dump(2) << "\n";
  } else {
    std::cout << plan.events.size() << " of " << total << " dead letter" << (total == 1 ? "" : "s")
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
    *run = [&options, topic, selection] {
      return List(options, claims::DeadLetterTopicFor(*topic), *selection);
    };
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
      return Show(options, claims::DeadLetterTopicFor(*topic), *partition, *offset);
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
      return RedriveCommand(options, claims::DeadLetterTopicFor(*topic), *selection, *dry_run);
    };
  });
}

}  // namespace claimsctl
