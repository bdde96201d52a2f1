#include "wal/snapshot.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "shared/nanoid.h"
#include "shared/process.h"
#include "wal/journal.h"
#include "wal/log_scanner.h"

namespace wal {

using claims::Status;
using claims::StatusOr;

namespace {

std::string SnapshotName(uint64_t position) {
  char name[64];
  std::snprintf(name, sizeof(name), "snapshot-%020" PRIu64 ".sqlite", position);
  return name;
}

// Serializes snapshot work of every process on one snapshot directory. A snapshot of a large
// database takes seconds, so the lock is waited for rather than refused.
StatusOr<std::unique_ptr<FileLock>> LockSnapshotDir(const std::string& snapshot_dir) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  for (;;) {
    StatusOr<std::unique_ptr<FileLock>> lock =
        PosixFileSystem()->LockFile(JoinPath(snapshot_dir, "LOCK"));
    if (lock.ok() || lock.status().code() != claims::StatusCode::kLocked ||
        std::chrono::steady_clock::now() > give_up) {
      return lock;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool IsSnapshotName(const std::string& name) {
  return name.size() == 36 && name.rfind("snapshot-", 0) == 0 &&
         name.compare(29, 7, ".sqlite") == 0;
}

}  // namespace

std::string ReadWalId(const std::string& wal_dir) {
  std::ifstream in(JoinPath(wal_dir, "wal_id"));
  std::string id;
  std::getline(in, id);
  return id;
}

Status WriteWalId(const std::string& wal_dir, const std::string& wal_id) {
  if (ReadWalId(wal_dir) == wal_id) return Status::Ok();
  return claims::WriteFileAtomically(JoinPath(wal_dir, "wal_id"), wal_id + "\n");
}

SnapshotRecorder RecordIn(Log* log) {
  if (log == nullptr) return {};
  return [log](NewEntry entry) { return log->Append(std::move(entry)); };
}

StatusOr<SnapshotInfo> TakeSnapshot(const std::string& db_path, const std::string& wal_id,
                                    const std::string& snapshot_dir,
                                    const SnapshotRecorder& record) {
  std::error_code ec;
  std::filesystem::create_directories(snapshot_dir, ec);
  if (ec) return claims::Internal("cannot create " + snapshot_dir + ": " + ec.message());
  StatusOr<std::unique_ptr<claims::SqliteDatabase>> db = claims::SqliteDatabase::Open(db_path);
  if (!db.ok()) return db.status();
  // One read transaction: the positions read and the pages copied are the same state.
  CLAIMS_RETURN_IF_ERROR((*db)->Exec("BEGIN"));
  StatusOr<uint64_t> lsn = AppliedLsn(**db, wal_id);
  StatusOr<uint64_t> position = lsn.ok() ? DatabasePosition(**db) : lsn.status();
  // A name of its own: other processes may be taking snapshots into this directory.
  const std::string tmp = JoinPath(snapshot_dir, "snapshot-" + claims::NewNanoid() + ".tmp");
  Status copied = position.ok() ? (*db)->BackupTo(tmp) : position.status();
  const Status ended = (*db)->Exec("COMMIT");
  if (copied.ok()) copied = ended;
  if (!copied.ok()) {
    std::filesystem::remove(tmp, ec);
    return copied;
  }
  // Two snapshots of one state get one name and the same content: either rename wins.
  SnapshotInfo info{JoinPath(snapshot_dir, SnapshotName(*position)), *lsn, *position};
  std::filesystem::rename(tmp, info.path, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(tmp, ec);
    return claims::Internal("cannot rename " + tmp + ": " + why);
  }
  CLAIMS_RETURN_IF_ERROR(PosixFileSystem()->SyncDir(snapshot_dir));
  if (record) {
    const nlohmann::json marker = {{"snapshot", SnapshotName(*position)},
                                   {"lsn", *lsn},
                                   {"wal_id", wal_id},
                                   {"position", *position}};
    StatusOr<uint64_t> appended = record({kSnapshotEntryType, 1, marker.dump()});
    if (!appended.ok()) return appended.status();
  }
  return info;
}

std::vector<std::string> ListSnapshots(const std::string& snapshot_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(snapshot_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (IsSnapshotName(name)) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());  // zero-padded LSNs sort in order
  return out;
}

int PruneSnapshots(const std::string& snapshot_dir, int keep) {
  std::vector<std::string> all = ListSnapshots(snapshot_dir);
  int removed = 0;
  for (size_t i = 0; i + static_cast<size_t>(std::max(1, keep)) < all.size(); ++i) {
    std::error_code ec;
    if (std::filesystem::remove(all[i], ec)) ++removed;
  }
  return removed;
}

StatusOr<uint64_t> RetainFrom(const std::string& snapshot_dir, const std::string& wal_id,
                              uint64_t relay_position) {
  // Every kept snapshot must stay restorable, whichever instance took it: the least any of them
  // holds of this WAL bounds what may go.
  uint64_t keep_from = relay_position;
  for (const std::string& path : ListSnapshots(snapshot_dir)) {
    StatusOr<std::unique_ptr<claims::SqliteDatabase>> snapshot = claims::SqliteDatabase::Open(path);
    if (!snapshot.ok()) return snapshot.status();
    StatusOr<uint64_t> held = AppliedLsn(**snapshot, wal_id);
    if (!held.ok()) return held.status();
    keep_from = std::min(keep_from, *held);
  }
  return ListSnapshots(snapshot_dir).empty() ? uint64_t{0} : keep_from;
}

StatusOr<SnapshotRound> SnapshotAndPrune(const std::string& db_path, const std::string& wal_id,
                                         const std::string& snapshot_dir,
                                         const SnapshotRecorder& record, int keep,
                                         uint64_t relay_position) {
  std::error_code ec;
  std::filesystem::create_directories(snapshot_dir, ec);
  if (ec) return claims::Internal("cannot create " + snapshot_dir + ": " + ec.message());
  StatusOr<std::unique_ptr<FileLock>> lock = LockSnapshotDir(snapshot_dir);
  if (!lock.ok()) return lock.status();
  SnapshotRound round;
  StatusOr<SnapshotInfo> info = TakeSnapshot(db_path, wal_id, snapshot_dir, record);
  if (!info.ok()) return info.status();
  round.snapshot = *info;
  round.pruned = PruneSnapshots(snapshot_dir, keep);
  StatusOr<uint64_t> retain = RetainFrom(snapshot_dir, wal_id, relay_position);
  if (!retain.ok()) return retain.status();
  round.retain_from = *retain;
  return round;
}

namespace {

// RestoreDatabase into `out_path`, which does not exist yet.
StatusOr<RestoreReport> RestoreInto(const std::string& snapshot_path,
                                    const std::vector<std::string>& wal_dirs,
                                    const std::string& out_path) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::copy_file(snapshot_path, out_path, ec);
  if (ec) return claims::Internal("cannot copy " + snapshot_path + ": " + ec.message());
  StatusOr<std::unique_ptr<claims::SqliteDatabase>> opened = claims::SqliteDatabase::Open(out_path);
  if (!opened.ok()) return opened.status();
  claims::SqliteDatabase& db = **opened;
  // The file is new and nobody reads it before the restore ends (a failed restore removes it),
  // so nothing is journaled and nothing synced until the end; a large page cache keeps the
  // random-key indexes in memory.
  CLAIMS_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = OFF"));
  CLAIMS_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = OFF"));
  CLAIMS_RETURN_IF_ERROR(db.Exec("PRAGMA cache_size = -262144"));
  StatusOr<std::vector<StateTable>> tables = LoadStateTables(db);
  if (!tables.ok()) return tables.status();
  CLAIMS_RETURN_IF_ERROR(EnsureJournalTables(db));  // a snapshot older than wal_aborted

  // Every WAL's committed entries past what the snapshot holds, merged in the order they
  // committed: by the database position each records (commits are serialized by the database),
  // then by LSN within one batch. Entries written before positions were recorded come first,
  // in time order (the only order they carry).
  struct Pending {
    bool has_position;
    uint64_t order;  // the position, or for older entries their timestamp
    size_t wal;
    uint64_t lsn;
    JournalRecord record;
  };
  std::vector<Pending> pending;
  std::vector<std::string> wal_ids;
  std::vector<AbortedRanges> aborted;  // per WAL, recorded in the rebuilt database
  uint64_t report_aborted = 0;
  uint64_t report_in_doubt = 0;
  for (size_t w = 0; w < wal_dirs.size(); ++w) {
    const std::string wal_id = ReadWalId(wal_dirs[w]);
    if (wal_id.empty()) {
      return claims::FailedPrecondition(wal_dirs[w] + " has no wal_id file: not a service WAL");
    }
    wal_ids.push_back(wal_id);
    StatusOr<uint64_t> applied = AppliedLsn(db, wal_id);
    if (!applied.ok()) return applied.status();
    // An entry counts only if it committed: a later commit mark of its WAL covers it and no
    // outcome entry aborted it. The marks follow the entries, so the WAL is read to its end
    // before its entries are chosen.
    WalOutcomes outcomes;
    Status outcome_status;
    std::vector<Pending> candidates;
    StatusOr<ScanResult> scan =
        ScanLog(PosixFileSystem(), wal_dirs[w], *applied + 1, [&](const Entry& e) {
          outcome_status = outcomes.Add(e);
          if (!outcome_status.ok()) return false;
          if (e.type == kJournalEntryType) {
            StatusOr<JournalRecord> record = DecodeJournalRecord(e.payload);
            if (!record.ok()) {
              outcome_status = record.status();
              return false;
            }
            const bool has_position = record->db_position.has_value();
            const uint64_t order = has_position ? *record->db_position : e.timestamp_us;
            candidates.push_back({has_position, order, w, e.lsn, std::move(*record)});
          }
          return true;
        });
    if (!scan.ok()) return scan.status();
    CLAIMS_RETURN_IF_ERROR(outcome_status);
    for (Pending& p : candidates) {
      if (outcomes.aborted.Contains(p.lsn)) {
        ++report_aborted;
      } else if (p.lsn > outcomes.committed_through) {
        ++report_in_doubt;
      } else {
        pending.push_back(std::move(p));
      }
    }
    aborted.push_back(std::move(outcomes.aborted));
    if (scan->damage == Damage::kCorrupt) {
      return claims::FailedPrecondition(
          "WAL " + wal_dirs[w] + " is corrupt at " + scan->damaged_path + " offset " +
          std::to_string(scan->damaged_offset) + "; inspect it with walctl verify / dump");
    }
    if (scan->last_lsn > *applied && scan->first_lsn > *applied + 1) {
      return claims::FailedPrecondition("WAL " + wal_dirs[w] + " starts at LSN " +
                                        std::to_string(scan->first_lsn) +
                                        " but the snapshot holds it only up to " +
                                        std::to_string(*applied) + "; use an older snapshot");
    }
  }
  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return std::tie(a.has_position, a.order, a.wal, a.lsn) <
           std::tie(b.has_position, b.order, b.wal, b.lsn);
  });

  RestoreReport report;
  report.entries_aborted = report_aborted;
  report.entries_in_doubt = report_in_doubt;
  CLAIMS_RETURN_IF_ERROR(db.InTransaction([&]() -> Status {
    StatusOr<claims::SqliteStatement*> insert = db.Prepare(
        "INSERT OR IGNORE INTO wal_aborted (wal_id, from_lsn, through_lsn) VALUES (?1, ?2, ?3)");
    if (!insert.ok()) return insert.status();
    for (size_t w = 0; w < wal_dirs.size(); ++w) {
      for (const auto& [from, through] : aborted[w].ranges()) {
        (*insert)
            ->Bind(1, std::string_view(wal_ids[w]))
            .Bind(2, static_cast<int64_t>(from))
            .Bind(3, static_cast<int64_t>(through));
        const Status run = (*insert)->Run();
        (*insert)->Reset();
        CLAIMS_RETURN_IF_ERROR(run);
      }
    }
    return Status::Ok();
  }));
  for (size_t i = 0; i < pending.size();) {
    const size_t end = std::min(pending.size(), i + 5000);
    std::vector<uint64_t> last(wal_dirs.size(), 0);
    const Status applied = db.InTransaction([&]() -> Status {
      for (size_t k = i; k < end; ++k) {
        for (const RowChange& c : pending[k].record.changes) {
          Status s = ApplyRowChange(db, *tables, c);
          // In commit order no unique clash can happen. Entries from before positions were
          // recorded are in time order, which may not be it: there the newer state wins.
          if (s.code() == claims::StatusCode::kConflict && !pending[k].has_position) {
            s = Status::Ok();
          }
          CLAIMS_RETURN_IF_ERROR(s);
          ++report.rows_applied;
        }
        last[pending[k].wal] = std::max(last[pending[k].wal], pending[k].lsn);
        ++report.entries_applied;
      }
      for (size_t w = 0; w < wal_dirs.size(); ++w) {
        if (last[w] != 0) CLAIMS_RETURN_IF_ERROR(SetAppliedLsn(db, wal_ids[w], last[w]));
      }
      return Status::Ok();
    });
    CLAIMS_RETURN_IF_ERROR(applied);
    i = end;
  }
  CLAIMS_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode = WAL"));  // as the services keep it
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace

StatusOr<RestoreReport> RestoreDatabase(const std::string& snapshot_path,
                                        const std::vector<std::string>& wal_dirs,
                                        const std::string& out_path) {
  std::error_code ec;
  if (std::filesystem::exists(out_path, ec)) {
    return claims::FailedPrecondition(out_path + " exists; restore writes a new file");
  }
  StatusOr<RestoreReport> report = RestoreInto(snapshot_path, wal_dirs, out_path);
  if (report.ok()) {
    // Nothing was synced while writing: the rebuilt file is made durable once, whole.
    StatusOr<std::unique_ptr<WritableFile>> file = PosixFileSystem()->OpenAppend(out_path, false);
    Status synced = file.ok() ? (*file)->Sync() : file.status();
    if (synced.ok()) synced = (*file)->Close();
    if (synced.ok()) {
      const std::string parent = std::filesystem::path(out_path).parent_path().string();
      synced = PosixFileSystem()->SyncDir(parent.empty() ? "." : parent);
    }
    if (!synced.ok()) report = synced;
  }
  if (!report.ok()) {
    // Written without a journal: a restore that failed half-way leaves no usable file.
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(out_path + suffix, ec);
  }
  return report;
}

}  // namespace wal
