// claims-load: drives claims through a running stack and checks the brief's invariants from the
// databases, the gateway ledger and the WALs. Used by the end-to-end test and the saga
// benchmark.
//   claims-load --url http://127.0.0.1:8000 --data-dir data --claims 1000 [options]
// It creates policies, posts claims in bulk (a share with a provider NPI the gateway declines),
// cancels a share right after submission, waits until every claim is terminal, then prints:
//   result accepted=.. terminal=.. lost=.. double_payments=.. coverage_violations=..
//          payment_mismatches=.. wal_missing=.. (and the count per state)
//   throughput claims_per_s=.. p50_paid_ms=.. p99_paid_ms=..
// and exits 1 if any invariant is broken or claims are still open at the timeout.
// With --rate R it is open-loop: posts of --batch claims leave at fixed times (R claims/s in
// all, whatever the answers take; a post no submitter is free for leaves late), and it also
// prints the latency from each claim's scheduled send time to PAID, so a slow service cannot
// hide its queue by slowing the load down (coordinated omission):
//   open_loop rate=.. sent_per_s=.. late_posts=.. p50_ms=.. p99_ms=.. p999_ms=.. max_ms=..
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "shared/clock.h"
#include "shared/sqlite_db.h"
#include "testing/http_client.h"
#include "wal/journal.h"
#include "wal/log_scanner.h"

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Options {
  std::string url = "http://127.0.0.1:8000";
  std::string data_dir = "data";
  int claims = 1000;
  int batch = 100;
  int threads = 4;
  int policies = 20;
  double decline_share = 0.10;
  double cancel_share = 0.03;
  std::string declined_npi = "9999999999";
  int timeout_s = 180;
  int batch_pause_ms = 0;
  double rate = 0;  // claims/s, open loop; 0: every submitter posts as fast as answered
  uint64_t seed = 1;
};

int64_t UnixMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// "2026-11-22T14:38:24.219Z" -> milliseconds since the epoch (UTC), or -1.
int64_t ParseMillis(const std::string& t) {
  const auto time = claims::ParseRfc3339(t);
  return time ? UnixMillis(*time) : -1;
}

int64_t QueryInt(claims::SqliteDatabase& db, const std::string& sql) {
  auto s = db.Prepare(sql);
  if (!s.ok()) {
    std::fprintf(stderr, "query failed: %s: %s\n", sql.c_str(), s.status().ToString().c_str());
    return -1;
  }
  auto row = (*s)->Step();
  const int64_t v = row.ok() && *row ? (*s)->ColumnInt(0) : -1;
  (*s)->Reset();
  return v;
}

// For each WAL under `root` (one directory per instance): the highest version of each row of
// `table` found in its entries.
std::map<std::string, int64_t> WalVersions(const std::string& root, const std::string& table,
                                           const std::string& key) {
  std::map<std::string, int64_t> versions;
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator(root, ec)) {
    if (!dir.is_directory()) continue;  // <instance>.slot lock files sit beside the WALs
    (void)wal::ScanLog(wal::PosixFileSystem(), dir.path().string(), 0, [&](const wal::Entry& e) {
      if (e.type != wal::kJournalEntryType) return true;
      auto record = wal::DecodeJournalRecord(e.payload);
      if (!record.ok()) return true;
      for (const auto& c : record->changes) {
        if (c.table != table || c.deleted) continue;
        const std::string id = c.row[key].get<std::string>();
        versions[id] = std::max(versions[id], c.row["version"].get<int64_t>());
      }
      return true;
    });
  }
  return versions;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"claims-load: drive claims through the stack and check the invariants"};
  app.add_option("--url", o.url, "claim-service base URL")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "The stack's data directory")->capture_default_str();
  app.add_option("--claims", o.claims, "Claims to submit")->capture_default_str();
  app.add_option("--batch", o.batch, "Claims per POST /claims")->capture_default_str();
  app.add_option("--threads", o.threads, "Concurrent submitters")->capture_default_str();
  app.add_option("--policies", o.policies, "Policies to spread claims over")->capture_default_str();
  app.add_option("--decline-share", o.decline_share, "Share of claims with --declined-npi")
      ->capture_default_str();
  app.add_option("--cancel-share", o.cancel_share, "Share of claims cancelled after submission")
      ->capture_default_str();
  app.add_option("--declined-npi", o.declined_npi, "An NPI the gateway declines")
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "Seconds to wait for every claim to finish")
      ->capture_default_str();
  app.add_option("--batch-pause-ms", o.batch_pause_ms,
                 "Pause of each submitter between two posts (spreads the load over time)")
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Seed for which claims are declined and cancelled")
      ->capture_default_str();
  app.add_option("--rate", o.rate,
                 "Open loop: claims per second in all, posted at fixed times whatever the "
                 "answers take (0: closed loop, each submitter as fast as it is answered)")
      ->check(CLI::Range(0.0, 1e6))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  std::printf("seed %llu\n", static_cast<unsigned long long>(o.seed));

  const auto colon = o.url.rfind(':');
  const uint16_t port = static_cast<uint16_t>(std::stoi(o.url.substr(colon + 1)));
  std::vector<std::string> policy_ids;
  {
    claims::testing::HttpClient http(port);
    for (int p = 0; p < o.policies; ++p) {
      const auto r = http.Post("/policies", {{"policyholder_name", "Load " + std::to_string(p)},
                                             {"policy_type", "Health"},
                                             {"start_date", "2020-01-01"},
                                             {"end_date", "2030-12-31"},
                                             {"premium_amount", "100.00"},
                                             {"status", "Active"},
                                             {"customer_id", "load-" + std::to_string(p)},
                                             {"coverage_amount", "100000000.00"}});
      if (r.status != 201) {
        std::fprintf(stderr, "cannot create a policy: %ld %s %s\n", r.status, r.body.c_str(),
                     r.error.c_str());
        return 1;
      }
      policy_ids.push_back(r.Json()["policy_id"]);
    }
  }

  std::mutex mu;
  std::vector<std::string> claim_ids;           // guarded by mu
  std::set<std::string> cancelled;              // accepted cancels, guarded by mu
  std::map<std::string, int64_t> scheduled_ms;  // open loop: claim -> its post's due time
  std::atomic<int> late_posts{0};
  std::atomic<int> next_batch{0};
  std::atomic<int> failures{0};
  std::atomic<int> retries{0};
  const int batches = (o.claims + o.batch - 1) / o.batch;
  const auto start = SteadyClock::now();
  const auto wall_start = std::chrono::system_clock::now();
  std::vector<std::thread> submitters;
  submitters.reserve(o.threads);
  for (int t = 0; t < o.threads; ++t) {
    submitters.emplace_back([&, t] {
      claims::testing::HttpClient http(port);
      std::mt19937_64 rng(o.seed * 1000 + static_cast<uint64_t>(t));
      std::uniform_real_distribution<double> coin(0, 1);
      for (int b = next_batch++; b < batches; b = next_batch++) {
        if (o.batch_pause_ms > 0 && b >= o.threads) {
          std::this_thread::sleep_for(std::chrono::milliseconds(o.batch_pause_ms));
        }
        // Open loop: post b is due at b * batch / rate seconds from the start.
        const auto due_in = std::chrono::duration_cast<SteadyClock::duration>(
            std::chrono::duration<double>(o.rate > 0 ? b * o.batch / o.rate : 0.0));
        if (o.rate > 0) {
          if (SteadyClock::now() > start + due_in + std::chrono::milliseconds(10)) ++late_posts;
          std::this_thread::sleep_until(start + due_in);
        }
        const int64_t due_ms = UnixMillis(
            wall_start + std::chrono::duration_cast<std::chrono::system_clock::duration>(due_in));
        nlohmann::json body = nlohmann::json::array();
        const int n = std::min(o.batch, o.claims - b * o.batch);
        for (int i = 0; i < n; ++i) {
          const bool declined = coin(rng) < o.decline_share;
          body.push_back({{"service_date", "2024-06-24"},
                          {"submitted_procedure", "D0120"},
                          {"policy_id", policy_ids[(b * o.batch + i) % policy_ids.size()]},
                          {"provider_npi",
                           declined ? o.declined_npi : std::to_string(1000000000 + rng() % 500)},
                          {"provider_fees", std::to_string(50 + rng() % 400) + ".25"},
                          {"allowed_fees", "10.00"},
                          {"member_coinsurance", "5.00"},
                          {"member_copay", "0"}});
        }
        // Retried with the same Idempotency-Key while the service is down or failing: a retry
        // of a request that was applied gets the first answer back.
        const std::string key = "load-" + std::to_string(o.seed) + "-" + std::to_string(b);
        claims::testing::HttpResult r;
        for (const auto give_up = SteadyClock::now() + std::chrono::seconds(o.timeout_s);;) {
          r = http.Send("POST", "/claims", body.dump(),
                        {"Content-Type: application/json", "Idempotency-Key: " + key});
          if ((r.status != 0 && r.status < 500) || SteadyClock::now() > give_up) break;
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        if (r.status != 201) {
          std::fprintf(stderr, "POST /claims: %ld %s %s\n", r.status, r.body.c_str(),
                       r.error.c_str());
          ++failures;
          continue;
        }
        std::vector<std::string> ids;
        for (const auto& c : r.Json()) ids.push_back(c["claim_id"]);
        std::vector<std::string> accepted_cancels;
        for (const std::string& id : ids) {
          if (coin(rng) >= o.cancel_share) continue;
          const auto c = http.Send("POST", "/claims/" + id + "/cancel");
          if (c.status == 202) accepted_cancels.push_back(id);
        }
        std::lock_guard lock(mu);
        if (o.rate > 0) {
          for (const std::string& id : ids) scheduled_ms[id] = due_ms;
        }
        claim_ids.insert(claim_ids.end(), ids.begin(), ids.end());
        cancelled.insert(accepted_cancels.begin(), accepted_cancels.end());
      }
    });
  }
  for (auto& t : submitters) t.join();
  const double submit_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::printf(
      "submitted %zu claims in %.2f s (%d failed requests, %d retried), %zu cancels accepted\n",
      claim_ids.size(), submit_s, failures.load(), retries.load(), cancelled.size());

  const std::string claims_db = o.data_dir + "/claim-service/claims.sqlite";
  const std::string open_states =
      "('SUBMITTED','RESERVED','PAYMENT_REQUESTED','VOID_REQUESTED','REVERSAL_REQUESTED')";
  int64_t open = -1;
  double finish_s = 0;
  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  while (SteadyClock::now() < deadline) {
    // A new connection each time: the file may have been replaced (a database rebuilt by
    // replay in a chaos run).
    std::error_code ec;
    if (std::filesystem::exists(claims_db, ec)) {  // never create it while it is being rebuilt
      auto poll = claims::SqliteDatabase::Open(claims_db);
      if (poll.ok()) {
        open = QueryInt(**poll, "SELECT COUNT(*) FROM claims WHERE status IN " + open_states);
      }
    }
    if (open == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  finish_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  auto db = claims::SqliteDatabase::Open(claims_db);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  claims::SqliteDatabase& sql = **db;

  // Invariants, from the stores themselves.
  const std::string ledger = o.data_dir + "/payment-gateway/ledger.sqlite";
  if (!sql.Exec("ATTACH DATABASE '" + ledger + "' AS ledger").ok()) {
    std::fprintf(stderr, "cannot open the ledger %s\n", ledger.c_str());
    return 1;
  }
  const int64_t accepted = static_cast<int64_t>(claim_ids.size());
  const int64_t stored = QueryInt(sql, "SELECT COUNT(*) FROM claims");
  int64_t lost = 0;
  {
    auto s = sql.Prepare("SELECT COUNT(*) FROM claims WHERE claim_id = ?1");
    for (const std::string& id : claim_ids) {
      (*s)->Bind(1, std::string_view(id));
      auto row = (*s)->Step();
      if (!row.ok() || !*row || (*s)->ColumnInt(0) != 1) ++lost;
      (*s)->Reset();
    }
  }
  // 1. No double payment: one ledger row per claim, its amount the net fee, settled only for
  //    PAID claims (or a COMPENSATION_FAILED one still waiting for its refund).
  const int64_t double_payments =
      QueryInt(sql,
               "SELECT COUNT(*) FROM (SELECT claim_id FROM ledger.charges GROUP BY claim_id "
               "HAVING COUNT(*) > 1)") +
      QueryInt(sql,
               "SELECT COUNT(*) FROM ledger.charges ch JOIN claims c USING (claim_id) WHERE "
               "ch.amount_cents != c.net_fee_cents");
  const int64_t payment_mismatches =
      QueryInt(sql,
               "SELECT COUNT(*) FROM claims c LEFT JOIN ledger.charges ch USING (claim_id) WHERE "
               "(c.status = 'PAID' AND IFNULL(ch.status, '') != 'SETTLED') OR "
               "(c.status = 'REVERSED' AND IFNULL(ch.status, '') != 'REFUNDED') OR "
               "(c.status IN ('PAYMENT_FAILED', 'VOIDED', 'REJECTED') AND "
               " IFNULL(ch.status, '') IN ('SETTLED', 'REFUNDED'))");
  // 2. Coverage: reserved + paid within coverage; once all are terminal nothing stays reserved
  //    and paid equals the PAID claims' net fees.
  const int64_t coverage_violations = QueryInt(
      sql,
      "SELECT COUNT(*) FROM policies p LEFT JOIN policy_coverage pc USING (policy_id) WHERE "
      "IFNULL(pc.reserved_cents, 0) + IFNULL(pc.paid_cents, 0) > p.coverage_cents "
      "OR IFNULL(pc.reserved_cents, 0) != (SELECT IFNULL(SUM(net_fee_cents), 0) FROM claims c "
      "  WHERE c.policy_id = p.policy_id AND (c.status IN ('RESERVED', 'PAYMENT_REQUESTED', "
      "  'VOID_REQUESTED') OR (c.status = 'COMPENSATION_FAILED' AND "
      "  c.failed_in = 'VOID_REQUESTED'))) "
      "OR IFNULL(pc.paid_cents, 0) != (SELECT IFNULL(SUM(net_fee_cents), 0) FROM claims c "
      "  WHERE c.policy_id = p.policy_id AND (c.status IN ('PAID', 'REVERSAL_REQUESTED') OR "
      "  (c.status = 'COMPENSATION_FAILED' AND c.failed_in = 'REVERSAL_REQUESTED')))");
  // 3. Every accepted claim terminal; cancelled ones never end PAID.
  int64_t cancelled_but_paid = 0;
  for (const std::string& id : cancelled) {
    auto s = sql.Prepare("SELECT status FROM claims WHERE claim_id = ?1");
    (*s)->Bind(1, std::string_view(id));
    auto row = (*s)->Step();
    if (row.ok() && *row && (*s)->ColumnText(0) == "PAID") ++cancelled_but_paid;
    (*s)->Reset();
  }
  // 4. Nothing visible that is not in a WAL: every claim's and payment's stored version is in
  //    its service's WALs.
  int64_t wal_missing = 0;
  {
    const auto claim_versions =
        WalVersions(o.data_dir + "/claim-service/wal", "claims", "claim_id");
    auto s = sql.Prepare("SELECT claim_id, version FROM claims");
    while (true) {
      auto row = (*s)->Step();
      if (!row.ok() || !*row) break;
      const auto it = claim_versions.find((*s)->ColumnText(0));
      if (it == claim_versions.end() || it->second < (*s)->ColumnInt(1)) ++wal_missing;
    }
    (*s)->Reset();
    auto pdb = claims::SqliteDatabase::Open(o.data_dir + "/payment-service/payments.sqlite");
    if (pdb.ok()) {
      const auto payment_versions =
          WalVersions(o.data_dir + "/payment-service/wal", "payments", "payment_id");
      auto ps = (*pdb)->Prepare("SELECT payment_id, version FROM payments");
      while (true) {
        auto row = (*ps)->Step();
        if (!row.ok() || !*row) break;
        const auto it = payment_versions.find((*ps)->ColumnText(0));
        if (it == payment_versions.end() || it->second < (*ps)->ColumnInt(1)) ++wal_missing;
      }
      (*ps)->Reset();
    }
  }

  std::string by_state;
  {
    auto s = sql.Prepare("SELECT status, COUNT(*) FROM claims GROUP BY status ORDER BY status");
    while (true) {
      auto row = (*s)->Step();
      if (!row.ok() || !*row) break;
      by_state += " " + (*s)->ColumnText(0) + "=" + std::to_string((*s)->ColumnInt(1));
    }
    (*s)->Reset();
  }
  // Submission to PAID latency, from the claims' own history; open loop, also from the time
  // each claim's post was due.
  std::vector<int64_t> paid_ms;
  std::vector<int64_t> scheduled_paid_ms;
  {
    auto s = sql.Prepare(
        "SELECT c.claim_id, c.created_at, h.at FROM claims c JOIN claim_history h "
        "USING (claim_id) WHERE h.status = 'PAID'");
    while (true) {
      auto row = (*s)->Step();
      if (!row.ok() || !*row) break;
      const int64_t a = ParseMillis((*s)->ColumnText(1));
      const int64_t b = ParseMillis((*s)->ColumnText(2));
      if (a >= 0 && b >= 0) paid_ms.push_back(b - a);
      const auto due = scheduled_ms.find((*s)->ColumnText(0));
      if (due != scheduled_ms.end() && b >= 0) scheduled_paid_ms.push_back(b - due->second);
    }
    (*s)->Reset();
  }
  const auto percentile = [](std::vector<int64_t>& v, double p) -> int64_t {
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  auto pct = [&](double p) { return percentile(paid_ms, p); };
  const int64_t terminal = accepted - std::max<int64_t>(open, 0);
  std::printf(
      "result accepted=%lld stored=%lld terminal=%lld lost=%lld double_payments=%lld "
      "coverage_violations=%lld payment_mismatches=%lld cancelled_but_paid=%lld "
      "wal_missing=%lld |%s\n",
      static_cast<long long>(accepted), static_cast<long long>(stored),
      static_cast<long long>(terminal), static_cast<long long>(lost),
      static_cast<long long>(double_payments), static_cast<long long>(coverage_violations),
      static_cast<long long>(payment_mismatches), static_cast<long long>(cancelled_but_paid),
      static_cast<long long>(wal_missing), by_state.c_str());
  std::printf("throughput claims_per_s=%.0f submit_per_s=%.0f p50_paid_ms=%lld p99_paid_ms=%lld\n",
              static_cast<double>(accepted) / finish_s, static_cast<double>(accepted) / submit_s,
              static_cast<long long>(pct(0.50)), static_cast<long long>(pct(0.99)));
  if (o.rate > 0) {
    auto due = [&](double p) { return static_cast<long long>(percentile(scheduled_paid_ms, p)); };
    std::printf(
        "open_loop rate=%.0f sent_per_s=%.0f late_posts=%d p50_ms=%lld p99_ms=%lld "
        "p999_ms=%lld max_ms=%lld\n",
        o.rate, static_cast<double>(accepted) / submit_s, late_posts.load(), due(0.50), due(0.99),
        due(0.999), due(1.0));
  }
  const bool ok = failures == 0 && open == 0 && lost == 0 && double_payments == 0 &&
                  coverage_violations == 0 && payment_mismatches == 0 && cancelled_but_paid == 0 &&
                  wal_missing == 0;
  std::printf("%s\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
