// Snapshots of a service's database, and rebuilding a database from a snapshot plus WALs.
//
// A snapshot is a consistent copy taken with SQLite's online backup API from a read
// transaction, so writers are not stopped. It is named by its database position, the sum of the
// applied LSNs of every WAL it contains ("snapshot-<20-digit position>.sqlite" in the service's
// snapshot directory): the same for every instance of the service, and larger for every later
// state, so the names of all instances' snapshots sort in the order of the history they hold.
// Its wal_applied table holds the LSN of every WAL it contains. The taking instance records it
// in its WAL (an entry of type kSnapshotEntryType). Format and procedure:
// wal/docs/journal.md "Snapshots and restore".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "shared/sqlite_db.h"
#include "shared/status.h"
#include "wal/log.h"

namespace wal {

inline constexpr uint16_t kSnapshotEntryType = 2;

struct SnapshotInfo {
  std::string path;
  uint64_t lsn = 0;       // of `wal_id`, as applied in the snapshot
  uint64_t position = 0;  // the sum of every WAL's applied LSN: the name
};

// Records a snapshot in the instance's WAL: appends the marker entry (kSnapshotEntryType) and
// returns its LSN. For a WAL a journal writes, Journal::AppendBetweenBatches; for a log nobody
// else writes (walctl's), RecordIn(log). Empty: the snapshot is not recorded.
using SnapshotRecorder = std::function<claims::StatusOr<uint64_t>(NewEntry)>;
SnapshotRecorder RecordIn(Log* log);  // nullptr: not recorded

// Takes a snapshot of `db_path` into `snapshot_dir`, named by its position; `lsn` is what it
// holds of `wal_id`. When `record` is given, the snapshot is recorded with it. Safe beside other
// processes taking snapshots into the same directory (each writes its own temporary file).
// Errors: kInternal (I/O, SQLite).
claims::StatusOr<SnapshotInfo> TakeSnapshot(const std::string& db_path, const std::string& wal_id,
                                            const std::string& snapshot_dir,
                                            const SnapshotRecorder& record);

// Snapshots in `snapshot_dir`, oldest first.
std::vector<std::string> ListSnapshots(const std::string& snapshot_dir);

// Removes all but the newest `keep` snapshots (keep >= 1). Returns how many were removed.
int PruneSnapshots(const std::string& snapshot_dir, int keep);

// The LSN below which `wal_id`'s segments are no longer needed: the smaller of the least any
// kept snapshot holds of that WAL and `relay_position`; 0 when there is no snapshot.
claims::StatusOr<uint64_t> RetainFrom(const std::string& snapshot_dir, const std::string& wal_id,
                                      uint64_t relay_position);

struct SnapshotRound {
  SnapshotInfo snapshot;
  int pruned = 0;            // older snapshots removed
  uint64_t retain_from = 0;  // RetainFrom after the pruning
};

// TakeSnapshot, PruneSnapshots(keep) and RetainFrom(relay_position) as one step under the
// snapshot directory's lock (file LOCK, waited for up to 2 minutes), so instances of a service
// never prune a snapshot another is reading or decide retention from a set another is changing.
// Errors: those of the three, kLocked when the lock is not had in time.
claims::StatusOr<SnapshotRound> SnapshotAndPrune(const std::string& db_path,
                                                 const std::string& wal_id,
                                                 const std::string& snapshot_dir,
                                                 const SnapshotRecorder& record, int keep,
                                                 uint64_t relay_position);

// The wal_id a journal wrote into `wal_dir` ("wal_id" file), or "" when there is none.
std::string ReadWalId(const std::string& wal_dir);
claims::Status WriteWalId(const std::string& wal_dir, const std::string& wal_id);

struct RestoreReport {
  uint64_t entries_applied = 0;  // committed entries past the snapshot's applied LSNs
  uint64_t entries_aborted = 0;  // entries their WAL records as never committed
  // Entries no commit mark covers: their process died between the WAL write and the commit
  // mark, and has not restarted since. Nobody was answered for them; they are not applied.
  uint64_t entries_in_doubt = 0;
  uint64_t rows_applied = 0;
  double seconds = 0;
};

// Rebuilds a database at `out_path` (which must not exist) from `snapshot_path` and the WAL
// directories `wal_dirs` (each with its wal_id file): every committed entry (a later commit
// mark of its WAL covers it, and no outcome entry aborted it) after the applied LSN the
// snapshot holds for its WAL is applied, the WALs merged in time order, with the same
// version-checked upsert the services use; the table definitions come from the snapshot
// (table journal_tables). Errors: kFailedPrecondition (out exists, a WAL is corrupt, has no
// wal_id, or starts after what the snapshot holds), kInternal.
claims::StatusOr<RestoreReport> RestoreDatabase(const std::string& snapshot_path,
                                                const std::vector<std::string>& wal_dirs,
                                                const std::string& out_path);

}  // namespace wal
