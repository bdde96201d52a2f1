// walctl: inspect, verify and repair a WAL directory, and benchmark the WAL. See README.md
// "walctl" and wal/docs/format.md.
//   walctl dump DIR [--from LSN]     entries as JSON lines: lsn, type, schema_version, time,
//   payload walctl verify DIR                exit 0 clean, 1 torn tail, 2 corrupt; one-line summary
//   walctl stat DIR                  segments, first/last LSN, bytes
//   walctl repair DIR [--force]      cut a torn tail (or, with --force, corruption); keeps copies
//   walctl reseat DIR --after LSN    continue a WAL that lost entries its database applied
//   walctl bench DIR [--seconds S]   durable append rate beside the raw fdatasync rate
//   walctl snapshot DB --out DIR --wal WAL_DIR   consistent copy of a service database, named
//                                    by the WAL positions it holds; recorded in WAL_DIR's WAL
//                                    when no process holds it
//   walctl restore --snapshot FILE --wal DIR... --out DB   rebuild a database from a snapshot
//                                    plus WALs (see wal/docs/journal.md)
#include <CLI/CLI.hpp>
#include <iostream>
#include <limits>

#include <nlohmann/json.hpp>

#include "shared/clock.h"
#include "wal/bench.h"
#include "wal/log.h"
#include "wal/repair.h"
#include "wal/snapshot.h"

namespace {

constexpr int kExitTorn = 1;
constexpr int kExitCorrupt = 2;
constexpr int kExitError = 3;

int Fail(const claims::Status& s) {
  std::cerr << "walctl: " << s.ToString() << "\n";
  return kExitError;
}

std::string Time(uint64_t micros) {
  return claims::FormatRfc3339(
      std::chrono::system_clock::time_point(std::chrono::microseconds(micros)));
}

const char* DamageName(wal::Damage d) {
  switch (d) {
    case wal::Damage::kNone:
      return "clean";
    case wal::Damage::kTornTail:
      return "torn tail";
    case wal::Damage::kCorrupt:
      return "corrupt";
  }
  return "?";
}

int Dump(const std::string& dir, uint64_t from) {
  auto scan = wal::ScanLog(wal::PosixFileSystem(), dir, from, [](const wal::Entry& e) {
    // Keys in a fixed, readable order; a payload that is JSON is shown as JSON, else as a string.
    nlohmann::ordered_json line = {{"lsn", e.lsn},
                                   {"type", e.type},
                                   {"schema_version", e.schema_version},
                                   {"time", Time(e.timestamp_us)}};
    nlohmann::ordered_json payload = nlohmann::ordered_json::parse(e.payload, nullptr, false);
    line["payload"] = payload.is_discarded() ? nlohmann::ordered_json(e.payload) : payload;
    std::cout << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return true;
  });
  if (!scan.ok()) return Fail(scan.status());
  if (scan->damage != wal::Damage::kNone) {
    std::cerr << "walctl: stopped at " << DamageName(scan->damage) << " in " << scan->damaged_path
              << " offset " << scan->damaged_offset << ": " << scan->reason << "\n";
    return scan->damage == wal::Damage::kTornTail ? kExitTorn : kExitCorrupt;
  }
  return 0;
}

int Verify(const std::string& dir) {
  auto scan = wal::ScanLog(wal::PosixFileSystem(), dir);
  if (!scan.ok()) return Fail(scan.status());
  std::cout << DamageName(scan->damage) << ": " << scan->segments.size() << " segments, LSN "
            << scan->first_lsn << ".." << scan->last_lsn;
  if (scan->damage != wal::Damage::kNone) {
    std::cout << "; " << scan->reason << " at " << scan->damaged_path << " offset "
              << scan->damaged_offset << " (walctl repair"
              << (scan->damage == wal::Damage::kCorrupt ? " --force " : " ") << dir
              << " cuts it, keeping a copy)";
  }
  std::cout << "\n";
  if (scan->damage == wal::Damage::kTornTail) return kExitTorn;
  if (scan->damage == wal::Damage::kCorrupt) return kExitCorrupt;
  return 0;
}

int Stat(const std::string& dir) {
  auto scan = wal::ScanLog(wal::PosixFileSystem(), dir);
  if (!scan.ok()) return Fail(scan.status());
  nlohmann::json segments = nlohmann::json::array();
  for (const wal::SegmentInfo& s : scan->segments) {
    segments.push_back(
        {{"path", s.path}, {"first_lsn", s.first_lsn}, {"entries", s.entries}, {"bytes", s.bytes}});
  }
  // On disk, every entry that reads back whole is durable: the durable LSN is the last one.
  nlohmann::json out = {{"dir", dir},
                        {"segments", segments},
                        {"first_lsn", scan->first_lsn},
                        {"last_lsn", scan->last_lsn},
                        {"durable_lsn", scan->last_lsn},
                        {"bytes", scan->bytes},
                        {"state", DamageName(scan->damage)}};
  std::cout << out.dump(2) << "\n";
  return scan->damage == wal::Damage::kNone
             ? 0
             : (scan->damage == wal::Damage::kTornTail ? kExitTorn : kExitCorrupt);
}

int Repair(const std::string& dir, bool force) {
  wal::FileSystem* fs = wal::PosixFileSystem();
  auto lock = wal::LockLogDir(fs, dir);
  if (!lock.ok()) return Fail(lock.status());
  auto scan = wal::ScanLog(fs, dir);
  if (!scan.ok()) return Fail(scan.status());
  if (scan->damage == wal::Damage::kNone) {
    std::cout << "clean: nothing to repair (LSN " << scan->first_lsn << ".." << scan->last_lsn
              << ")\n";
    return 0;
  }
  if (scan->damage == wal::Damage::kCorrupt && !force) {
    std::cerr << "walctl: corrupt at " << scan->damaged_path << " offset " << scan->damaged_offset
              << ": " << scan->reason
              << ". Cutting there loses every entry after it; rerun with --force to do it.\n";
    return kExitCorrupt;
  }
  auto cut = wal::CutLog(fs, dir, *scan);
  if (!cut.ok()) return Fail(cut.status());
  std::cout << "cut " << cut->cut_bytes << " bytes after LSN " << cut->last_lsn << "; kept:";
  for (const std::string& k : cut->kept) std::cout << " " << k;
  std::cout << "\n";
  return 0;
}

int Reseat(const std::string& dir, uint64_t after) {
  auto report = wal::ReseatLog(wal::PosixFileSystem(), dir, after);
  if (!report.ok()) return Fail(report.status());
  std::cout << nlohmann::json{{"reseated", dir},
                              {"old_segments_in", report->set_aside_dir},
                              {"old_last_lsn", report->old_last_lsn},
                              {"next_lsn", report->next_lsn}}
                   .dump()
            << "\n";
  return 0;
}

int Snapshot(const std::string& db_path, const std::string& out_dir, const std::string& wal_dir) {
  const std::string wal_id = wal::ReadWalId(wal_dir);
  if (wal_id.empty()) return Fail(claims::FailedPrecondition(wal_dir + " has no wal_id file"));
  // Recorded in the WAL only when no instance holds it (a running instance records its own
  // snapshots: POST /admin/snapshot).
  std::unique_ptr<wal::Log> log;
  auto opened = wal::Log::Open(wal_dir, wal::Options{});
  if (opened.ok()) log = std::move(*opened);
  // Under the directory's lock, beside running instances; nothing is pruned (keep all).
  auto round = wal::SnapshotAndPrune(db_path, wal_id, out_dir, wal::RecordIn(log.get()),
                                     std::numeric_limits<int>::max(), 0);
  if (!round.ok()) return Fail(round.status());
  const wal::SnapshotInfo* info = &round->snapshot;
  std::cout << nlohmann::json{{"snapshot", info->path},
                              {"wal_id", wal_id},
                              {"lsn", info->lsn},
                              {"position", info->position},
                              {"recorded_in_wal", log != nullptr}}
                   .dump()
            << "\n";
  return 0;
}

int Restore(const std::string& snapshot, const std::vector<std::string>& wal_dirs,
            const std::string& out) {
  auto report = wal::RestoreDatabase(snapshot, wal_dirs, out);
  if (!report.ok()) return Fail(report.status());
  const double rate =
      report->seconds > 0 ? static_cast<double>(report->entries_applied) / report->seconds : 0;
  std::cout << nlohmann::json{{"restored", out},
                              {"snapshot", snapshot},
                              {"entries_applied", report->entries_applied},
                              {"entries_aborted", report->entries_aborted},
                              {"entries_in_doubt", report->entries_in_doubt},
                              {"rows_applied", report->rows_applied},
                              {"seconds", report->seconds},
                              {"entries_per_second", static_cast<int64_t>(rate)}}
                   .dump()
            << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"walctl: inspect, verify, repair and benchmark a write-ahead log directory"};
  app.require_subcommand(1);
  std::string dir;
  uint64_t from = 0;
  bool force = false;
  wal::BenchOptions bench;
  std::string fsync = "always";

  auto* dump = app.add_subcommand(
      "dump", "Entries as JSON lines (lsn, type, schema_version, time, payload)");
  dump->add_option("dir", dir, "WAL directory")->required();
  dump->add_option("--from", from, "First LSN to print");
  auto* verify = app.add_subcommand("verify", "Exit 0 clean, 1 torn tail, 2 corrupt");
  verify->add_option("dir", dir, "WAL directory")->required();
  auto* stat = app.add_subcommand("stat", "Segments, first/last/durable LSN, bytes (JSON)");
  stat->add_option("dir", dir, "WAL directory")->required();
  auto* repair = app.add_subcommand("repair", "Cut a torn tail; with --force also corruption");
  repair->add_option("dir", dir, "WAL directory")->required();
  repair->add_flag("--force", force, "Also cut corruption (loses the entries after it)");
  uint64_t after = 0;
  auto* reseat = app.add_subcommand(
      "reseat", "Continue a WAL that lost entries after the LSN its database applied");
  reseat->add_option("dir", dir, "WAL directory (its instance stopped)")->required();
  reseat->add_option("--after", after, "The LSN the database has applied (named at start-up)")
      ->required();
  auto* bench_cmd = app.add_subcommand("bench", "Durable appends/s beside the raw fdatasync rate");
  bench_cmd->add_option("dir", bench.dir, "Scratch directory on the disk to measure")->required();
  bench_cmd->add_option("--seconds", bench.seconds_per_run, "Seconds per configuration")
      ->capture_default_str();
  bench_cmd->add_option("--fsync", fsync, "always, interval or none")->capture_default_str();
  std::string db_path;
  std::string out;
  std::string snapshot_file;
  std::vector<std::string> wal_dirs;
  auto* snapshot = app.add_subcommand(
      "snapshot", "Consistent copy of a service database, named by the LSN it holds");
  snapshot->add_option("db", db_path, "The service's database file")->required();
  snapshot->add_option("--out", out, "Snapshot directory")->required();
  snapshot->add_option("--wal", dir, "The WAL whose LSN names the snapshot")->required();
  auto* restore = app.add_subcommand(
      "restore", "Rebuild a database from a snapshot plus one or more instance WALs");
  restore->add_option("--snapshot", snapshot_file, "Snapshot file")->required();
  restore->add_option("--wal", wal_dirs, "Instance WAL directory (repeat for each)")->required();
  restore->add_option("--out", out, "The database to write (must not exist)")->required();
  CLI11_PARSE(app, argc, argv);

  if (*snapshot) return Snapshot(db_path, out, dir);
  if (*restore) return Restore(snapshot_file, wal_dirs, out);
  if (*dump) return Dump(dir, from);
  if (*verify) return Verify(dir);
  if (*stat) return Stat(dir);
  if (*repair) return Repair(dir, force);
  if (*reseat) return Reseat(dir, after);
  if (*bench_cmd) {
    if (!wal::ParseFsyncPolicy(fsync, &bench.fsync)) {
      std::cerr << "walctl: --fsync must be always, interval or none\n";
      return kExitError;
    }
    const claims::Status s = wal::RunBench(bench, std::cout);
    return s.ok() ? 0 : Fail(s);
  }
  return kExitError;
}
