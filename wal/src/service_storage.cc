#include "wal/service_storage.h"

#include <filesystem>

namespace wal {

std::string ServiceDatabasePath(const std::string& data_dir, const std::string& service,
                                const std::string& database_file) {
  return (std::filesystem::path(data_dir) / service / database_file).string();
}

std::string ServiceWalDir(const std::string& data_dir, const std::string& service,
                          const std::string& instance_id) {
  return (std::filesystem::path(data_dir) / service / "wal" / instance_id).string();
}

claims::StatusOr<std::unique_ptr<ServiceStorage>> ServiceStorage::Open(
    const ServiceStorageConfig& config, prometheus::Registry& metrics) {
  std::unique_ptr<ServiceStorage> s(new ServiceStorage());
  s->database_path_ = ServiceDatabasePath(config.data_dir, config.service, config.database_file);
  s->wal_dir_ = ServiceWalDir(config.data_dir, config.service, config.instance_id);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(s->database_path_).parent_path(), ec);
  if (ec)
    return claims::Internal("cannot create " + s->database_path_ + "'s directory: " + ec.message());
  auto db = claims::SqliteDatabase::Open(s->database_path_);
  if (!db.ok()) return db.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(config.migrations));
  s->reads_ = std::make_shared<claims::LockedDatabase>();
  s->reads_->db = std::move(*db);

  JournalOptions journal_options;
  journal_options.wal_dir = s->wal_dir_;
  journal_options.wal_id = config.service + "/" + config.instance_id;
  journal_options.db_path = s->database_path_;
  journal_options.tables = config.tables;
  journal_options.log.fsync = config.fsync;
  journal_options.log.segment_bytes = 16ull << 20;
  journal_options.log.clock = config.clock;
  auto journal = Journal::Open(journal_options, &s->report_);
  if (!journal.ok()) return journal.status();
  s->journal_ = std::move(*journal);

  auto publisher = claims::KafkaEventPublisher::Create(config.kafka, metrics);
  if (!publisher.ok()) return publisher.status();
  s->publisher_ = std::move(*publisher);
  RelayOptions relay_options;
  relay_options.db_path = s->database_path_;
  auto relay = OutboxRelay::Start(*s->journal_, *s->publisher_, relay_options, metrics);
  if (!relay.ok()) return relay.status();
  s->relay_ = std::move(*relay);
  return s;
}

ServiceStorage::~ServiceStorage() { Close(); }

void ServiceStorage::Close() {
  relay_.reset();  // publishes what is committed (one attempt)
  journal_.reset();
}

std::vector<claims::ReadinessCheck> ServiceStorage::ReadinessChecks() {
  std::shared_ptr<claims::LockedDatabase> reads = reads_;
  Journal* journal = journal_.get();
  claims::KafkaEventPublisher* producer = publisher_.get();
  return {
      {"database",
       [reads] {
         std::lock_guard lock(reads->mu);
         return reads->db->Exec("SELECT 1");
       }},
      {"wal", [journal] { return journal->failure(); }},
      {"broker", [producer] { return producer->CheckBroker(std::chrono::milliseconds(1000)); }}};
}

}  // namespace wal
