// bench-limits: measures this machine's floors for durable writes, in the directory given, so
// benchmarks can print the project's figures beside them:
//   fdatasync: 256-byte appends, each followed by fdatasync (durable appends/s, p50/p99 latency)
//   sqlite_commit: one row per transaction, WAL mode, synchronous=FULL (rows/s)
//   sqlite_batch: rows inserted in one transaction (rows/s)
//   kafka_produce: with --kafka, 256-byte messages through the idempotent producer with the
//     project's settings until the broker acknowledged them all (messages/s)
// Prints one line per figure: "limit <name> <rate>/s p50_us=<..> p99_us=<..>".
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "shared/kafka_client.h"
#include "shared/sqlite_db.h"
#include "shared/topic_catalog.h"
#include "wal/bench.h"

namespace {

using Clock = std::chrono::steady_clock;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

wal::RateFigures SqliteRate(const std::string& dir, int count, bool one_transaction) {
  const std::string path = dir + "/sqlite.bench";
  std::filesystem::remove(path);
  wal::RateFigures f;
  {
    auto db = claims::SqliteDatabase::Open(path);
    if (!db.ok()) return f;
    if (!(*db)->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)").ok()) return f;
    std::vector<double> latencies;
    const std::string body(256, 'b');
    const auto start = Clock::now();
    if (one_transaction && !(*db)->Exec("BEGIN").ok()) return f;
    for (int i = 0; i < count; ++i) {
      const auto t0 = Clock::now();
      auto stmt = (*db)->Prepare("INSERT INTO t (body) VALUES (?1)");
      if (!stmt.ok()) return f;
      (*stmt)->Bind(1, std::string_view(body));
      if (!(*stmt)->Run().ok()) return f;
      if (!one_transaction) latencies.push_back(Micros(Clock::now() - t0));
    }
    if (one_transaction && !(*db)->Exec("COMMIT").ok()) return f;
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    f = wal::SummariseLatencies(latencies, seconds);
    if (one_transaction) f.rate = static_cast<double>(count) / seconds;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return f;
}

// Produces `count` messages to claim-events and waits for every acknowledgement.
wal::RateFigures ProducerRate(const std::string& bootstrap, int count) {
  wal::RateFigures f;
  claims::KafkaSettings settings;
  settings.bootstrap_servers = bootstrap;
  auto conf = claims::NewKafkaConf(claims::ProducerConfig(settings));
  if (!conf.ok()) return f;
  auto rk = claims::NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!rk.ok()) return f;
  const std::string topic(claims::topics::kClaimEvents);
  const std::string payload(256, 'p');
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const std::string key = "bench-" + std::to_string(i);
    while (rd_kafka_producev(*rk, RD_KAFKA_V_TOPIC(topic.c_str()),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(*rk, 10);
    }
  }
  const bool flushed = rd_kafka_flush(*rk, 60000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  rd_kafka_destroy(*rk);
  if (flushed) f.rate = count / seconds;
  return f;
}

void Print(const char* name, const wal::RateFigures& f) {
  if (f.p50_us == 0) {  // batched: no per-operation latency
    std::printf("limit %-14s %10.0f/s\n", name, f.rate);
    return;
  }
  std::printf("limit %-14s %10.0f/s  p50_us=%.0f p99_us=%.0f\n", name, f.rate, f.p50_us, f.p99_us);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = ".";
  int count = 2000;
  CLI::App app{"bench-limits: the machine's durable-write floors"};
  app.add_option("--dir", dir, "Directory on the disk to measure")->capture_default_str();
  app.add_option("--count", count, "Operations per figure")->capture_default_str();
  std::string kafka;
  app.add_option("--kafka", kafka, "Bootstrap servers: also measure the raw producer rate");
  CLI11_PARSE(app, argc, argv);
  std::filesystem::create_directories(dir);
  Print("fdatasync", wal::MeasureFdatasync(dir, 30.0, static_cast<size_t>(count)));
  Print("sqlite_commit", SqliteRate(dir, count, false));
  Print("sqlite_batch", SqliteRate(dir, count * 100, true));
  if (!kafka.empty()) Print("kafka_produce", ProducerRate(kafka, count * 100));
  return 0;
}
