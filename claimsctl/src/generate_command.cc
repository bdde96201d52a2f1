#include "generate_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include <prometheus/registry.h>

#include "shared/kafka_inspect.h"
#include "shared/kafka_publisher.h"
#include "shared/nanoid.h"
#include "shared/topic_catalog.h"

namespace claimsctl {
namespace {

using Clock = std::chrono::steady_clock;

struct GenerateOptions {
  double rate = 20;              // records (claims, some policies) per second
  std::string duration = "10s";  // how long to send
  int batch = 1;                 // claims per request (an array) or per Kafka publish
  double invalid_share = 0.05;   // rows a careful provider system would not send
  double policy_share = 0.05;    // of the sends, new policies instead of claims
  int policies = 20;             // made before the first claim; 0: use the service's
  int senders = 4;               // concurrent requests
  std::string api_key;           // for POST /claims (a provider's key); else the operator's
  bool kafka = false;
  std::string provider;
  uint64_t seed = 0;  // 0: random
};

// "10s", "2m", "1h", "500ms" or plain seconds.
std::optional<std::chrono::milliseconds> ParseDuration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60000;
  } else if (unit == "h") {
    ms = value * 3600000;
  } else {
    return std::nullopt;
  }
  if (ms <= 0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

struct PolicyRef {
  std::string subscriber;
  std::string group;
  int start_year = 2026;
};

// Random data shaped like what insurers and provider systems send: the four policy types,
// member and group numbers, a pool of provider NPIs, the spellings of provider exports' column
// names, money as numbers and "$1,234.50" strings, dates as ISO or "3/28/26 0:00".
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  nlohmann::json Policy(PolicyRef* ref) {
    static constexpr std::array<const char*, 4> kTypes = {"Life", "Health", "Car", "Home"};
    static constexpr std::array<const char*, 12> kFirst = {
        "Ada",     "Grace", "Alan",     "Edsger", "Barbara", "Donald",
        "Frances", "Ken",   "Margaret", "Dennis", "Radia",   "Leslie"};
    static constexpr std::array<const char*, 10> kLast = {
        "Lovelace", "Hopper", "Turing",   "Dijkstra", "Liskov",
        "Knuth",    "Allen",  "Thompson", "Hamilton", "Perlman"};
    ref->subscriber = "S" + Digits(7);
    ref->group = "G-" + Digits(4);
    ref->start_year = 2024 + Number(3);
    const int years = 1 + Number(5);
    return {{"policyholder_name",
             std::string(kFirst[Pick(kFirst.size())]) + " " + kLast[Pick(kLast.size())]},
            {"policy_type", kTypes[Pick(kTypes.size())]},
            {"start_date", std::to_string(ref->start_year) + "-01-01"},
            {"end_date", std::to_string(ref->start_year + years) + "-01-01"},
            {"premium_amount", Money(60 + Number(2400), Number(100))},
            {"coverage_amount", 250000 + 50000 * Number(40)},
            {"customer_id", "CUS" + Digits(6)},
            {"subscriber_number", ref->subscriber},
            {"plan_group_number", ref->group}};
  }

  // A claim against `policy`; with `invalid`, one thing wrong that the service must refuse.
  nlohmann::json Claim(const PolicyRef& policy, bool invalid) {
    static constexpr std::array<const char*, 10> kProcedures = {
        "D0120", "D0150", "D0210", "D0274", "D1110", "D2140", "D2391", "D2740", "D3330", "D7140"};
    const int fee = 40 + Number(1400);
    const int allowed = fee * (60 + Number(36)) / 100;
    const int coinsurance = allowed * Number(21) / 100;
    const int copay = Number(4) == 0 ? 0 : 10 + 5 * Number(6);
    const int month = 1 + Number(12);
    const int day = 1 + Number(28);
    std::string service_date;
    char buf[48];
    if (Number(3) == 0) {
      std::snprintf(buf, sizeof buf, "%d/%d/%02d 0:00", month, day, (policy.start_year % 100));
    } else {
      std::snprintf(buf, sizeof buf, "%d-%02d-%02d", policy.start_year, month, day);
    }
    service_date = buf;
    std::string npi = kNpis[Pick(kNpis.size())];
    std::string procedure = kProcedures[Pick(kProcedures.size())];
    nlohmann::json fees = MoneyValue(fee, 0);
    nlohmann::json allowed_fees = MoneyValue(allowed, Number(100));
    nlohmann::json coins = MoneyValue(coinsurance, 0);
    bool drop_allowed = false;
    if (invalid) {
      switch (Number(5)) {
        case 0:
          npi = npi.substr(1);
          break;  // 9 digits
        case 1:
          procedure = "X" + procedure.substr(1);
          break;  // not a dental code
        case 2:
          fees = "-" + Money(fee, 0);
          break;  // negative
        case 3:
          drop_allowed = true;
          break;  // a required field missing
        default:
          coins = Money(fee * 3, 0);
          break;  // net fee below zero
      }
    }
    nlohmann::json claim = nlohmann::json::object();
    claim[Spelling({"service_date", "Service Date", " Date of Service ", "DOS"})] = service_date;
    claim[Spelling({"submitted_procedure", "Procedure Code", "procedure"})] = procedure;
    claim[Spelling({"subscriber_number", "Subscriber#", "Subscriber ID"})] = policy.subscriber;
    claim[Spelling({"plan_group_number", "Plan/Group #", "Group Number"})] = policy.group;
    claim[Spelling({"provider_npi", "NPI", "Provider NPI"})] = npi;
    claim[Spelling({"provider_fees", "Provider Fees", "provider fee"})] = fees;
    if (!drop_allowed) {
      claim[Spelling({"allowed_fees", "Allowed Fees", "Allowed Amount"})] = allowed_fees;
    }
    claim[Spelling({"member_coinsurance", "member CoInsurance", "Coinsurance"})] = coins;
    claim[Spelling({"member_copay", "Member Copay", "copay"})] = MoneyValue(copay, 0);
    return claim;
  }

  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  int Number(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }  // 0..n-1

 private:
  static constexpr std::array<const char*, 8> kNpis = {"1003000126", "1124021243", "1245319599",
                                                       "1356427834", "1467535110", "1578643389",
                                                       "1689751665", "1790869942"};

  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>('0' + Number(10));
    return s;
  }
  static std::string Money(int whole, int cents) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d.%02d", whole, cents);
    return buf;
  }
  // As a provider export writes money: a number, a plain string, or "$1,234.50 ".
  nlohmann::json MoneyValue(int whole, int cents) {
    switch (Number(3)) {
      case 0:
        return whole + cents / 100.0;
      case 1:
        return Money(whole, cents);
      default: {
        std::string digits = std::to_string(whole);
        for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
        char buf[48];
        std::snprintf(buf, sizeof buf, "$%s.%02d ", digits.c_str(), cents);
        return std::string(buf);
      }
    }
  }
  std::string Spelling(std::initializer_list<const char*> names) {
    return *(names.begin() + Pick(names.size()));
  }

  std::mt19937_64 rng_;
};

struct Counts {
  std::atomic<int64_t> sent{0};  // records: claims and policies
  std::atomic<int64_t> claims{0};
  std::atomic<int64_t> accepted{0};  // 2xx, or delivered to the broker
  std::atomic<int64_t> refused{0};   // 4xx
  std::atomic<int64_t> failed{0};    // 5xx, unreachable, or not delivered
  std::atomic<int64_t> late{0};      // sends that left more than 100 ms after their time
  std::atomic<int64_t> policies{0};
  std::mutex mu;
  std::vector<double> latencies_ms;  // guarded by mu
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::vector<std::string> AuthHeader(const std::string& key) {
  if (key.empty()) return {};
  return {"Authorization: Bearer " + key};
}

// The policies claims are made against: `count` new ones, or (0) the service's own.
std::optional<std::vector<PolicyRef>> Policies(const Options& options, const GenerateOptions& g,
                                               Generator* gen, int* code) {
  Api api(options);
  std::vector<PolicyRef> refs;
  if (g.policies == 0) {
    auto page = api.Call("GET", "/policies?limit=500", nullptr, code);
    if (!page) return std::nullopt;
    for (const auto& p : *page) {
      if (!p["subscriber_number"].is_string() || !p["plan_group_number"].is_string()) continue;
      refs.push_back({p["subscriber_number"].get<std::string>(),
                      p["plan_group_number"].get<std::string>(),
                      std::stoi(p["start_date"].get<std::string>().substr(0, 4))});
    }
    if (refs.empty()) {
      std::cerr << "claimsctl: the service has no policy with a subscriber and group number to "
                   "claim against; give --policies N to make some\n";
      *code = kRefused;
      return std::nullopt;
    }
    return refs;
  }
  for (int i = 0; i < g.policies; ++i) {
    PolicyRef ref;
    const nlohmann::json body = gen->Policy(&ref);
    if (!api.Call("POST", "/policies", body, code)) return std::nullopt;
    refs.push_back(ref);
  }
  return refs;
}

int Generate(const Options& options, const GenerateOptions& g) {
  const auto duration = ParseDuration(g.duration);
  if (!duration || g.rate <= 0 || g.batch < 1 || g.senders < 1) {
    std::cerr << "claimsctl: --rate, --batch and --senders must be positive and --duration like "
                 "30s, 2m or 500ms\n";
    return kRefused;
  }
  if (g.kafka && g.provider.empty()) {
    std::cerr << "claimsctl: --kafka publishes to a provider's topic: give --provider NAME\n";
    return kRefused;
  }
  const uint64_t seed = g.seed != 0 ? g.seed : std::random_device{}();
  Generator setup(seed);
  int code = 0;
  const auto policies = Policies(options, g, &setup, &code);
  if (!policies) return code;

  std::unique_ptr<claims::KafkaEventPublisher> publisher;
  prometheus::Registry registry;
  const std::string topic = claims::ProviderSubmittedTopic(g.provider);
  if (g.kafka) {
    auto created = claims::KafkaEventPublisher::Create(KafkaSettingsOf(options), registry);
    if (!created.ok()) {
      std::cerr << "claimsctl: " << created.status().message() << "\n";
      return kRefused;
    }
    publisher = std::move(*created);
    // The topic must exist (the provider registered): a client that auto-created it would hide
    // a misspelt provider. Asking also warms the client's metadata before the clock starts.
    auto inspector = claims::KafkaInspector::Create(KafkaSettingsOf(options));
    auto marks =
        inspector.ok()
            ? (*inspector)->Watermarks(topic, std::chrono::seconds(10))
            : claims::StatusOr<std::vector<claims::PartitionWatermarks>>(inspector.status());
    if (!marks.ok()) {
      std::cerr << "claimsctl: " << marks.status().message()
                << (marks.status().code() == claims::StatusCode::kNotFound
                        ? " (is the provider registered? claimsctl provider list)"
                        : "")
                << "\n";
      return marks.status().code() == claims::StatusCode::kNotFound ? kRefused : kUnreachable;
    }
    (void)publisher->CheckBroker(std::chrono::seconds(10));
  }
  const std::string claim_key = g.api_key.empty() ? options.operator_key : g.api_key;

  // Send i leaves at start + i * interval, whatever earlier sends took: the schedule does not
  // drift, and a send no sender is free for leaves late (and is counted).
  const auto interval = std::chrono::duration<double>(g.batch / g.rate);
  const int64_t total_sends = std::max<int64_t>(
      1, static_cast<int64_t>(std::chrono::duration<double>(*duration) / interval));
  const Clock::time_point start = Clock::now() + std::chrono::milliseconds(50);
  Counts counts;
  std::atomic<int64_t> next{0};
  auto sender = [&](uint64_t sender_seed) {
    Generator gen(sender_seed);
    claims::testing::HttpClient http(options.url);
    std::vector<std::string> policy_headers = AuthHeader(options.operator_key);
    policy_headers.push_back("Content-Type: application/json");
    std::vector<std::string> claim_headers = AuthHeader(claim_key);
    claim_headers.push_back("Content-Type: application/json");
    for (int64_t i = next++; i < total_sends; i = next++) {
      const Clock::time_point due =
          start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
      std::this_thread::sleep_until(due);
      if (Clock::now() - due > std::chrono::milliseconds(100)) ++counts.late;
      const auto began = Clock::now();
      long status = 0;
      int64_t n = g.batch;  // records in this send
      if (!g.kafka && gen.Chance(g.policy_share)) {
        n = 1;
        PolicyRef ignored;
        status = http.Send("POST", "/policies", gen.Policy(&ignored).dump(), policy_headers).status;
        if (status / 100 == 2) ++counts.policies;
      } else {
        counts.claims += n;
        nlohmann::json claims = nlohmann::json::array();
        for (int k = 0; k < g.batch; ++k) {
          claims.push_back(
              gen.Claim((*policies)[gen.Pick(policies->size())], gen.Chance(g.invalid_share)));
        }
        if (g.kafka) {
          std::vector<claims::OutgoingEvent> events;
          for (const auto& c : claims) {
            const std::string id = claims::NewNanoid();
            events.push_back({topic, id, "generate-" + id, c.dump(), {{"Idempotency-Key", id}}});
          }
          status = publisher->PublishAll(events, std::chrono::seconds(30)).ok() ? 202 : 503;
        } else {
          std::vector<std::string> headers = claim_headers;
          headers.push_back("Idempotency-Key: generate-" + claims::NewNanoid());
          const nlohmann::json body = g.batch == 1 ? claims[0] : claims;
          status = http.Send("POST", "/claims", body.dump(), headers).status;
        }
      }
      counts.sent += n;
      if (status / 100 == 2) {
        counts.accepted += n;
      } else if (status / 100 == 4) {
        counts.refused += n;
      } else {
        counts.failed += n;
      }
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - began).count();
      std::lock_guard lock(counts.mu);
      counts.latencies_ms.push_back(ms);
    }
  };
  std::vector<std::thread> senders;
  senders.reserve(static_cast<size_t>(g.senders));
  std::mt19937_64 seeds(seed);
  for (int s = 0; s < g.senders; ++s) senders.emplace_back(sender, seeds());

  const auto progress = [&](bool final) {
    const double elapsed =
        std::max(1e-3, std::chrono::duration<double>(Clock::now() - start).count());
    nlohmann::json p = {
        {"elapsed_s", std::round(elapsed * 10) / 10},
        {"sent", counts.sent.load()},
        {"accepted", counts.accepted.load()},
        {"refused", counts.refused.load()},
        {"failed", counts.failed.load()},
        {"claims", counts.claims.load()},
        {"policies_created", counts.policies.load()},
        {"rate_per_s", std::round(static_cast<double>(counts.sent.load()) / elapsed * 10) / 10},
        {"late_sends", counts.late.load()}};
    if (final) {
      std::lock_guard lock(counts.mu);
      p["target_rate_per_s"] = g.rate;
      p["p50_ms"] = std::round(Percentile(counts.latencies_ms, 0.50) * 100) / 100;
      p["p99_ms"] = std::round(Percentile(counts.latencies_ms, 0.99) * 100) / 100;
      p["to"] = g.kafka ? topic : options.url;
      p["seed"] = seed;
    }
    return p;
  };
  const auto print = [&](const nlohmann::json& p, const char* label) {
    std::cout << label << " " << p["elapsed_s"] << "s  sent " << p["sent"] << "  "
              << (g.kafka ? "delivered " : "accepted ") << p["accepted"] << "  refused "
              << p["refused"] << "  failed " << p["failed"] << "  " << p["rate_per_s"] << "/s";
    if (p["late_sends"].get<int64_t>() > 0) std::cout << "  late " << p["late_sends"];
    std::cout << "\n" << std::flush;
  };
  // Once a second until the last send is answered (a slow service makes the run longer).
  std::atomic<int> running{g.senders};
  std::thread reporter([&] {
    for (Clock::time_point tick = start + std::chrono::seconds(1); running.load() > 0;
         tick += std::chrono::seconds(1)) {
      while (running.load() > 0 && Clock::now() < tick) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (running.load() > 0 && !options.json) print(progress(false), "  ");
    }
  });
  for (std::thread& t : senders) {
    t.join();
    --running;
  }
  reporter.join();
  const nlohmann::json summary = progress(true);
  if (options.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    print(summary, "done");
    std::cout << "  " << summary["claims"] << " claims and " << summary["policies_created"]
              << " policies to " << summary["to"].get<std::string>() << ", target " << g.rate
              << "/s; answer p50 " << summary["p50_ms"] << " ms, p99 " << summary["p99_ms"]
              << " ms; seed " << seed << "\n";
    if (g.kafka) {
      std::cout << "  the claim-service takes them from the topic; what it refuses is in "
                << claims::DeadLetterTopic(topic) << " (claimsctl dlq list " << topic << ")\n";
    }
  }
  return counts.failed.load() > 0 ? kUnreachable : 0;
}

}  // namespace

void AddGenerateCommand(CLI::App& app, const Options& options, std::function<int()>* run) {
  auto g = std::make_shared<GenerateOptions>();
  CLI::App* generate = app.add_subcommand(
      "generate", "Random policies and claims at a fixed rate (over HTTP, or --kafka)");
  generate
      ->add_option("--rate", g->rate,
                   "Records per second (claims, and policies per --policy-share)")
      ->capture_default_str();
  generate->add_option("--duration", g->duration, "How long: 30s, 2m, 500ms")
      ->capture_default_str();
  generate->add_option("--batch", g->batch, "Claims per request (an array) or publish")
      ->capture_default_str();
  generate
      ->add_option("--invalid-share", g->invalid_share,
                   "Share of claims with one thing wrong (the service must refuse them)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  generate
      ->add_option("--policy-share", g->policy_share,
                   "Share of the sends that create a policy instead (HTTP only)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  generate
      ->add_option("--policies", g->policies,
                   "Policies made first to claim against; 0 uses the service's")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  generate->add_option("--senders", g->senders, "Concurrent requests")->capture_default_str();
  generate
      ->add_option("--api-key", g->api_key,
                   "The key claims are sent with (a provider's); default the operator's")
      ->envname("CLAIMS_API_KEY");
  generate->add_flag("--kafka", g->kafka,
                     "Publish the claims to --provider's <provider>-claim.submitted topic");
  generate->add_option("--provider", g->provider, "The provider whose topic --kafka uses");
  generate->add_option("--seed", g->seed, "Seed of the random data (0: a random one)");
  generate->callback(
      [&options, g, run] { *run = [&options, g] { return Generate(options, *g); }; });
}

}  // namespace claimsctl
