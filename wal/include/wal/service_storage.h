// ServiceStorage: what every service instance opens to keep state WAL-first: its database
// (migrated, shared by the service's instances; a read connection for queries), its journal
// over its own WAL directory (replaying what the database misses), the Kafka producer and the
// outbox relay that publishes the journal's events. claim-service and payment-service both
// start through here, so they lay out their files and recover the same way:
//   <data_dir>/<service>/<database_file>          the service's database
//   <data_dir>/<service>/wal/<instance_id>/       this instance's WAL
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <prometheus/registry.h>

#include "shared/clock.h"
#include "shared/kafka_config.h"
#include "shared/kafka_publisher.h"
#include "shared/operational_routes.h"
#include "shared/sqlite_db.h"
#include "wal/journal.h"
#include "wal/outbox_relay.h"

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
  const claims::Clock* clock = nullptr;  // must outlive the storage
};

class ServiceStorage {
 public:
  // Errors: those of the database (kFailedPrecondition when it is newer than this build), the
  // WAL (kFailedPrecondition when another process holds it or it is corrupt) and Kafka settings.
  static claims::StatusOr<std::unique_ptr<ServiceStorage>> Open(const ServiceStorageConfig& config,
                                                                prometheus::Registry& metrics);
  ~ServiceStorage();  // Close()

  // Publishes what is committed (one attempt), then closes the relay and the WAL. Idempotent;
  // the journal refuses commands afterwards.
  void Close();

  // Readiness checks for /readyz: "database", "wal", "broker".
  std::vector<claims::ReadinessCheck> ReadinessChecks();

  std::shared_ptr<claims::LockedDatabase> reads() const { return reads_; }
  Journal& journal() { return *journal_; }
  claims::KafkaEventPublisher& publisher() { return *publisher_; }
  const std::string& database_path() const { return database_path_; }
  const std::string& wal_dir() const { return wal_dir_; }
  const JournalOpenReport& open_report() const { return report_; }

 private:
  ServiceStorage() = default;

  std::string database_path_;
  std::string wal_dir_;
  JournalOpenReport report_;
  std::shared_ptr<claims::LockedDatabase> reads_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<claims::KafkaEventPublisher> publisher_;
  std::unique_ptr<OutboxRelay> relay_;
};

// Where a service's database and an instance's WAL live under `data_dir`.
std::string ServiceDatabasePath(const std::string& data_dir, const std::string& service,
                                const std::string& database_file);
std::string ServiceWalDir(const std::string& data_dir, const std::string& service,
                          const std::string& instance_id);

}  // namespace wal
