// ServiceStorage: what every service instance opens to keep state WAL-first: its database
// (migrated, shared by the service's instances; read connections for queries), its journal
// over its own WAL directory (replaying what the database misses), the Kafka producer and the
// outbox relay that publishes the journal's events. claim-service and payment-service both
// start through here, so they lay out their files and recover the same way:
//   <data_dir>/<service>/<database_file>          the service's database
//   <data_dir>/<service>/wal/<instance_id>/       this instance's WAL
//   <data_dir>/<service>/snapshots/               snapshots of the database (snapshot.h)
// Open waits (up to 30 s) while its own WAL is held by another instance that is adopting it.
// A background thread takes a snapshot every `snapshot_interval` (keeping the newest
// `snapshots_keep`, then removing WAL segments that neither the oldest snapshot nor the relay
// needs), and adopts orphaned WALs: a directory under <service>/wal/ whose lock no process
// holds (its instance was scaled down or crashed for good) is opened, replayed into the
// database, its events published, then closed again.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/registry.h>

#include "shared/clock.h"
#include "shared/http_router.h"
#include "shared/kafka_config.h"
#include "shared/kafka_publisher.h"
#include "shared/operational_routes.h"
#include "shared/sqlite_db.h"
#include "wal/journal.h"
#include "wal/outbox_relay.h"
#include "wal/retention.h"
#include "wal/snapshot.h"

namespace wal {

struct ServiceStorageConfig {
  std::string service;        // "claim-service"
  std::string database_file;  // "claims.sqlite"
  std::string data_dir;
  std::string instance_id;
  std::span<const claims::Migration> migrations;
  std::vector<StateTable> tables;
  FsyncPolicy fsync = FsyncPolicy::kAlways;
  claims::KafkaSettings kafka;
  const claims::Clock* clock = nullptr;         // must outlive the storage
  std::chrono::seconds snapshot_interval{300};  // 0: only on demand
  int snapshots_keep = 3;
  std::chrono::seconds adopt_interval{30};  // 0: never adopt
  std::vector<RetentionRule> retention;
  std::chrono::seconds retention_interval{60};  // how often expired rows are looked for
  // Connections for reads (HTTP handlers, consumers' look-ups): one per thread that reads at
  // once, so none waits for another's read.
  int read_connections = 4;
};

class ServiceStorage {
 public:
  // Errors: those of the database (kFailedPrecondition when it is newer than this build), the
  // WAL (kLocked when another process holds it past the wait; kFailedPrecondition when it is
  // corrupt) and Kafka settings.
  static claims::StatusOr<std::unique_ptr<ServiceStorage>> Open(const ServiceStorageConfig& config,
                                                                prometheus::Registry& metrics);
  ~ServiceStorage();  // Close()

  // Publishes what is committed (one attempt), then closes the relay and the WAL. Idempotent;
  // the journal refuses commands afterwards.
  void Close();

  // Readiness checks for /readyz: "database", "wal", "broker".
  std::vector<claims::ReadinessCheck> ReadinessChecks();

  // Takes a snapshot now, records it in the WAL, prunes old ones and removes WAL segments no
  // longer needed. Thread-safe (snapshots are taken one at a time).
  claims::StatusOr<SnapshotInfo> Snapshot();
  // Removes the rows the retention rules say have expired now (RemoveExpiredRows).
  claims::StatusOr<int64_t> RemoveExpired();
  // Adopts and drains every orphaned WAL of the service once. Returns how many were drained.
  // A WAL drained earlier whose segment files have not changed since is not opened again (a
  // gone instance's WAL stays for restores, and opening scans it whole).
  int AdoptOrphans();
  // POST /admin/snapshot: takes a snapshot; 201 {"snapshot": path, "lsn": n}.
  void AddAdminRoutes(claims::Router* router);
  const std::string& snapshot_dir() const { return snapshot_dir_; }

  std::shared_ptr<claims::ReadConnections> reads() const { return reads_; }
  Journal& journal() { return *journal_; }
  claims::KafkaEventPublisher& publisher() { return *publisher_; }
  const std::string& database_path() const { return database_path_; }
  const std::string& wal_dir() const { return wal_dir_; }
  const JournalOpenReport& open_report() const { return report_; }

 private:
  class WalMetrics;
  ServiceStorage();
  void Background();

  ServiceStorageConfig config_;
  prometheus::Registry* metrics_ = nullptr;
  std::unique_ptr<WalMetrics> wal_metrics_;  // before journal_: the log reports to it
  std::string snapshot_dir_;
  std::mutex snapshot_mu_;  // one snapshot at a time
  std::mutex mu_;           // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread background_;
  std::string database_path_;
  std::string wal_dir_;
  JournalOpenReport report_;
  std::shared_ptr<claims::ReadConnections> reads_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<claims::KafkaEventPublisher> publisher_;
  std::unique_ptr<OutboxRelay> relay_;
  std::mutex adopt_mu_;  // one adoption round at a time; guards below
};

// Where a service's database and an instance's WAL live under `data_dir`.
std::string ServiceDatabasePath(const std::string& data_dir, const std::string& service,
                                const std::string& database_file);
std::string ServiceWalDir(const std::string& data_dir, const std::string& service,
                          const std::string& instance_id);

// An instance name taken for the life of the process (INSTANCE_ID=auto): identical replicas,
// such as a compose service scaled to N containers, cannot be given names one by one.
struct InstanceSlot {
  std::string instance_id;         // "claim-2"
  std::unique_ptr<FileLock> lock;  // <data_dir>/<service>/wal/<instance_id>.slot; held while alive
};
// Takes the first of "<prefix>-1" .. "<prefix>-<max_slots>" that no running process holds: its
// slot lock is free and its WAL is not open (an instance started with that name by hand holds
// the WAL only). A process that dies frees its slot, so the next one started takes over its WAL
// instead of leaving it to be adopted. Errors: kUnavailable when every slot is taken; those of
// the file system.
claims::StatusOr<InstanceSlot> ClaimInstanceSlot(FileSystem* fs, const std::string& data_dir,
                                                 const std::string& service,
                                                 const std::string& prefix, int max_slots = 64);
// What a service's main() does with --instance-id: "auto" becomes the name of a claimed slot
// (ClaimInstanceSlot on the real file system) whose lock is returned, to be kept for the life of
// the process; any other name is kept as it is, with no lock (nullptr).
claims::StatusOr<std::unique_ptr<FileLock>> ResolveInstanceId(const std::string& data_dir,
                                                              const std::string& service,
                                                              const std::string& prefix,
                                                              std::string* instance_id);

}  // namespace wal
