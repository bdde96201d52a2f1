#include "wal/service_storage.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "shared/http_problem.h"
#include "shared/json_log.h"
#include "shared/process.h"
#include "wal/file_system.h"
#include "wal/record_format.h"

namespace wal {

std::string ServiceDatabasePath(const std::string& data_dir, const std::string& service,
                                const std::string& database_file) {
  return (std::filesystem::path(data_dir) / service / database_file).string();
}

std::string ServiceWalDir(const std::string& data_dir, const std::string& service,
                          const std::string& instance_id) {
  return (std::filesystem::path(data_dir) / service / "wal" / instance_id).string();
}

claims::StatusOr<InstanceSlot> ClaimInstanceSlot(FileSystem* fs, const std::string& data_dir,
                                                 const std::string& service,
                                                 const std::string& prefix, int max_slots) {
  const std::string wal_root = (std::filesystem::path(data_dir) / service / "wal").string();
  std::error_code ec;
  std::filesystem::create_directories(wal_root, ec);
  if (ec) return claims::Internal("cannot create " + wal_root + ": " + ec.message());
  for (int n = 1; n <= max_slots; ++n) {
    const std::string id = prefix + "-" + std::to_string(n);
    auto slot = fs->LockFile(wal_root + "/" + id + ".slot");
    if (!slot.ok()) {
      if (slot.status().code() == claims::StatusCode::kLocked) continue;
      return slot.status();
    }
    // Held by an instance named by hand, or for a moment by one adopting an orphaned WAL: the
    // slot is not free. Its WAL directory may not exist yet, which leaves the slot free.
    const std::string wal_dir = ServiceWalDir(data_dir, service, id);
    if (std::filesystem::exists(wal_dir, ec)) {
      auto wal_lock = LockLogDir(fs, wal_dir);
      if (!wal_lock.ok()) {
        if (wal_lock.status().code() == claims::StatusCode::kLocked) continue;
        return wal_lock.status();
      }
    }
    return InstanceSlot{id, std::move(*slot)};
  }
  return claims::Unavailable("every instance slot of " + service + " (" + prefix + "-1 .. " +
                             prefix + "-" + std::to_string(max_slots) + ") is taken");
}

claims::StatusOr<std::unique_ptr<FileLock>> ResolveInstanceId(const std::string& data_dir,
                                                              const std::string& service,
                                                              const std::string& prefix,
                                                              std::string* instance_id) {
  if (*instance_id != "auto") return std::unique_ptr<FileLock>();
  auto slot = ClaimInstanceSlot(PosixFileSystem(), data_dir, service, prefix);
  if (!slot.ok()) return slot.status();
  *instance_id = slot->instance_id;
  return std::move(slot->lock);
}

// The WAL's writes and the snapshots, as Prometheus metrics (README "Metrics").
class ServiceStorage::WalMetrics final : public LogObserver {
 public:
  explicit WalMetrics(prometheus::Registry& metrics)
      : write_(Seconds(metrics, "claims_wal_write_seconds",
                       "Time to write one group of WAL entries (before its sync)")),
        sync_(Seconds(metrics, "claims_wal_fdatasync_seconds",
                      "Time of one WAL group's fdatasync (fsync policy always)")),
        append_(Seconds(metrics, "claims_wal_append_seconds",
                        "From a journal batch's append call to its entries being durable")),
        group_(prometheus::BuildHistogram()
                   .Name("claims_wal_group_entries")
                   .Help("Entries per WAL group: one write and one sync for all of them")
                   .Register(metrics)
                   .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128,
                                                                    256, 512, 1024})),
        snapshot_(prometheus::BuildGauge()
                      .Name("claims_snapshot_last_timestamp_seconds")
                      .Help("Unix time of this instance's newest database snapshot (its age: "
                            "time() - this)")
                      .Register(metrics)
                      .Add({})) {}

  void OnGroup(size_t entries, size_t, std::chrono::nanoseconds write,
               std::chrono::nanoseconds sync) override {
    group_.Observe(static_cast<double>(entries));
    write_.Observe(ToSeconds(write));
    if (sync.count() > 0) sync_.Observe(ToSeconds(sync));
  }
  void OnAppend(std::chrono::nanoseconds latency) override { append_.Observe(ToSeconds(latency)); }
  void SnapshotTaken() {
    snapshot_.Set(
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
  }

 private:
  static double ToSeconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
  }
  static prometheus::Histogram& Seconds(prometheus::Registry& metrics, const std::string& name,
                                        const std::string& help) {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(metrics).Add(
        {},
        prometheus::Histogram::BucketBoundaries{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
  }
  prometheus::Histogram& write_;
  prometheus::Histogram& sync_;
  prometheus::Histogram& append_;
  prometheus::Histogram& group_;
  prometheus::Gauge& snapshot_;
};

namespace {

constexpr const char* kFsyncFile = "fsync";  // in a WAL directory: its instance's fsync policy

// fsync interval or none lets a power loss take the WAL's newest entries while the database
// kept their commits (wal/docs/journal.md "fsync policies"): the events of those writes are
// never published. That is a choice one instance may make for its own database, never one that
// instances sharing a database make for each other: refused when a running instance of the
// service (its WAL locked) and this one are not both `always`.
claims::Status CheckFsyncPolicies(const ServiceStorageConfig& config, const std::string& own) {
  const std::filesystem::path root =
      std::filesystem::path(config.data_dir) / config.service / "wal";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string dir = entry.path().string();
    if (!entry.is_directory() || dir == own) continue;
    std::ifstream in(entry.path() / kFsyncFile);
    std::string theirs = "always";  // written before the file existed: always was the only use
    std::getline(in, theirs);
    if (config.fsync == FsyncPolicy::kAlways && theirs == "always") continue;
    auto free = LockLogDir(PosixFileSystem(), dir);
    if (free.ok() || free.status().code() != claims::StatusCode::kLocked) continue;  // not running
    return claims::FailedPrecondition(
        "the WAL fsync policy is " + std::string(FsyncPolicyName(config.fsync)) + " here and " +
        theirs + " for the running instance of " + dir +
        ": instances sharing a database must all use --fsync always (interval and none are "
        "for one instance alone; wal/docs/journal.md)");
  }
  return claims::Status::Ok();
}

}  // namespace

ServiceStorage::ServiceStorage() = default;

claims::StatusOr<std::unique_ptr<ServiceStorage>> ServiceStorage::Open(
    const ServiceStorageConfig& config, prometheus::Registry& metrics) {
  std::unique_ptr<ServiceStorage> s(new ServiceStorage());
  s->config_ = config;
  s->metrics_ = &metrics;
  s->wal_metrics_ = std::make_unique<WalMetrics>(metrics);
  s->snapshot_dir_ =
      (std::filesystem::path(config.data_dir) / config.service / "snapshots").string();
  s->database_path_ = ServiceDatabasePath(config.data_dir, config.service, config.database_file);
  s->wal_dir_ = ServiceWalDir(config.data_dir, config.service, config.instance_id);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(s->database_path_).parent_path(), ec);
  if (ec)
    return claims::Internal("cannot create " + s->database_path_ + "'s directory: " + ec.message());
  auto db = claims::SqliteDatabase::Open(s->database_path_);
  if (!db.ok()) return db.status();
  auto schema_before = (*db)->SchemaVersion();
  if (!schema_before.ok()) return schema_before.status();
  CLAIMS_RETURN_IF_ERROR((*db)->Migrate(config.migrations));
  auto schema_after = (*db)->SchemaVersion();
  if (!schema_after.ok()) return schema_after.status();
  auto reads = claims::ReadConnections::Open(std::move(*db), s->database_path_,
                                             std::max(1, config.read_connections));
  if (!reads.ok()) return reads.status();
  s->reads_ = std::move(*reads);

  CLAIMS_RETURN_IF_ERROR(CheckFsyncPolicies(config, s->wal_dir_));
  JournalOptions journal_options;
  journal_options.wal_dir = s->wal_dir_;
  journal_options.wal_id = config.service + "/" + config.instance_id;
  journal_options.db_path = s->database_path_;
  journal_options.tables = config.tables;
  journal_options.log.fsync = config.fsync;
  journal_options.log.segment_bytes = 16ull << 20;
  journal_options.log.clock = config.clock;
  journal_options.log.observer = s->wal_metrics_.get();
  // The WAL may be held for a moment by another instance adopting it (this instance was gone
  // long enough to look orphaned): wait for it rather than fail.
  auto journal = Journal::Open(journal_options, &s->report_);
  for (int waited = 0;
       !journal.ok() && waited < 60 && journal.status().code() == claims::StatusCode::kLocked;
       ++waited) {
    if (waited == 0) {
      claims::Log(claims::LogLevel::kWarn, "WAL is held by another process; waiting",
                  {{"wal_dir", s->wal_dir_}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    journal = Journal::Open(journal_options, &s->report_);
  }
  if (!journal.ok()) return journal.status();
  s->journal_ = std::move(*journal);
  CLAIMS_RETURN_IF_ERROR(
      claims::WriteFileAtomically((std::filesystem::path(s->wal_dir_) / kFsyncFile).string(),
                                  std::string(FsyncPolicyName(config.fsync)) + "\n"));

  auto publisher = claims::KafkaEventPublisher::Create(config.kafka, metrics);
  if (!publisher.ok()) return publisher.status();
  s->publisher_ = std::move(*publisher);
  RelayOptions relay_options;
  relay_options.db_path = s->database_path_;
  auto relay = OutboxRelay::Start(*s->journal_, *s->publisher_, relay_options, metrics);
  if (!relay.ok()) return relay.status();
  s->relay_ = std::move(*relay);
  // A database can always be rebuilt: if the service has no snapshot yet, the first one is
  // taken now (the WAL from here on covers the rest). So is one after a schema migration: an
  // older snapshot has the older schema, which entries written from now on may not fit, and a
  // restore (walctl) applies entries without knowing the service's migrations.
  if (ListSnapshots(s->snapshot_dir_).empty() || *schema_before != *schema_after) {
    auto first = s->Snapshot();
    if (!first.ok()) return first.status();
  }
  s->background_ = std::thread([p = s.get()] { p->Background(); });
  return s;
}

ServiceStorage::~ServiceStorage() { Close(); }

void ServiceStorage::Close() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (background_.joinable()) background_.join();
  relay_.reset();  // publishes what is committed (one attempt)
  journal_.reset();
}

claims::StatusOr<int64_t> ServiceStorage::RemoveExpired() {
  static const claims::SystemClock kSystemClock;
  const claims::Clock& clock = config_.clock != nullptr ? *config_.clock : kSystemClock;
  return RemoveExpiredRows(*journal_, config_.retention, clock.Now());
}

void ServiceStorage::Background() {
  using Clock = std::chrono::steady_clock;
  auto next_snapshot = Clock::now() + config_.snapshot_interval;
  auto next_expiry = Clock::now() + config_.retention_interval;
  // Not at once: instances restarted together get the time to take their own WALs back.
  auto next_adoption = Clock::now() + config_.adopt_interval;
  std::unique_lock lock(mu_);
  while (!stop_) {
    const auto now = Clock::now();
    if (config_.adopt_interval.count() > 0 && now >= next_adoption) {
      lock.unlock();
      AdoptOrphans();
      lock.lock();
      next_adoption = Clock::now() + config_.adopt_interval;
      continue;
    }
    if (config_.snapshot_interval.count() > 0 && now >= next_snapshot) {
      lock.unlock();
      auto taken = Snapshot();
      if (!taken.ok()) {
        claims::Log(claims::LogLevel::kError, "periodic snapshot failed",
                    {{"error", taken.status().ToString()}});
      }
      lock.lock();
      next_snapshot = Clock::now() + config_.snapshot_interval;
      continue;
    }
    if (!config_.retention.empty() && config_.retention_interval.count() > 0 &&
        now >= next_expiry) {
      lock.unlock();
      auto removed = RemoveExpired();
      if (!removed.ok()) {
        claims::Log(claims::LogLevel::kWarn, "expired rows could not be removed",
                    {{"error", removed.status().ToString()}});
      } else if (*removed > 0) {
        claims::Log(claims::LogLevel::kInfo, "expired rows removed", {{"rows", *removed}});
      }
      lock.lock();
      next_expiry = Clock::now() + config_.retention_interval;
      continue;
    }
    auto wake = Clock::now() + std::chrono::seconds(1);
    cv_.wait_until(lock, wake, [&] { return stop_; });
  }
}

claims::StatusOr<SnapshotInfo> ServiceStorage::Snapshot() {
  std::lock_guard lock(snapshot_mu_);
  const std::string wal_id = config_.service + "/" + config_.instance_id;
  Journal* journal = journal_.get();
  auto round = SnapshotAndPrune(
      database_path_, wal_id, snapshot_dir_,
      [journal](NewEntry marker) { return journal->AppendBetweenBatches(std::move(marker)); },
      config_.snapshots_keep, relay_->published_lsn());
  if (!round.ok()) return round.status();
  int removed_segments = 0;
  if (round->retain_from > 0) {
    auto removed = journal_->log().TruncateBefore(round->retain_from + 1);
    if (removed.ok()) {
      removed_segments = *removed;
    } else {
      claims::Log(claims::LogLevel::kWarn, "old WAL segments could not be removed",
                  {{"wal_dir", wal_dir_}, {"error", removed.status().ToString()}});
    }
  }
  wal_metrics_->SnapshotTaken();
  claims::Log(claims::LogLevel::kInfo, "snapshot taken",
              {{"snapshot", round->snapshot.path},
               {"lsn", round->snapshot.lsn},
               {"position", round->snapshot.position},
               {"snapshots_removed", round->pruned},
               {"wal_segments_removed", removed_segments}});
  return round->snapshot;
}

namespace {
// The names and sizes of a WAL's segment files: a WAL no process writes keeps them.
std::string SegmentFingerprint(const std::string& dir) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& f : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = f.path().filename().string();
    if (!ParseSegmentFileName(name)) continue;
    parts.push_back(name + ":" + std::to_string(f.file_size(ec)));
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& p : parts) out += p + ";";
  return out;
}
}  // namespace

namespace {

constexpr const char* kDrainedFile = "drained";  // in an orphaned WAL: its files once drained

std::string ReadDrainedMark(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / kDrainedFile);
  std::string mark;
  std::getline(in, mark);
  return mark;
}

// Records, under the WAL's lock (so its instance, come back meanwhile, is not written over),
// which files the orphan had when it was drained.
void WriteDrainedMark(const std::string& dir) {
  auto lock = LockLogDir(PosixFileSystem(), dir);
  if (!lock.ok()) return;  // taken again already: whoever holds it owns what comes next
  const claims::Status written = claims::WriteFileAtomically(
      (std::filesystem::path(dir) / kDrainedFile).string(), SegmentFingerprint(dir) + "\n");
  if (!written.ok()) {
    claims::Log(claims::LogLevel::kWarn, "cannot mark an orphaned WAL drained",
                {{"wal_dir", dir}, {"error", written.ToString()}});
  }
}

}  // namespace

int ServiceStorage::AdoptOrphans() {
  std::lock_guard adopting(adopt_mu_);
  const std::filesystem::path root =
      std::filesystem::path(config_.data_dir) / config_.service / "wal";
  int drained = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string dir = entry.path().string();
    if (!entry.is_directory() || dir == wal_dir_) continue;
    const std::string wal_id = ReadWalId(dir);
    if (wal_id.empty()) continue;
    // Drained already (by this instance or another) and not written since: nothing to do, so
    // an orphan is adopted by one instance, once, however many run.
    if (ReadDrainedMark(dir) == SegmentFingerprint(dir)) continue;
    JournalOptions options;
    options.wal_dir = dir;
    options.wal_id = wal_id;
    options.db_path = database_path_;
    options.tables = config_.tables;
    options.log.fsync = config_.fsync;
    options.log.clock = config_.clock;
    JournalOpenReport report;
    auto orphan = Journal::Open(options, &report);
    if (!orphan.ok()) {
      // Held by its instance (the usual case, and not news), or it cannot be adopted.
      if (orphan.status().code() != claims::StatusCode::kLocked) {
        claims::Log(claims::LogLevel::kWarn, "cannot adopt an orphaned WAL",
                    {{"wal_dir", dir}, {"error", orphan.status().ToString()}});
      }
      continue;
    }
    RelayOptions relay_options;
    relay_options.db_path = database_path_;
    prometheus::Registry scratch;  // the orphan's relay counts apart from this instance's
    auto relay = OutboxRelay::Start(**orphan, *publisher_, relay_options, scratch);
    if (!relay.ok()) continue;
    const uint64_t target = (*orphan)->committed_lsn();
    const bool published = (*relay)->WaitPublished(target, std::chrono::seconds(30));
    claims::Log(published ? claims::LogLevel::kInfo : claims::LogLevel::kWarn,
                published ? "adopted an orphaned WAL: published what it committed"
                          : "adopted an orphaned WAL; publishing not finished",
                {{"wal_dir", dir},
                 {"wal_id", wal_id},
                 {"aborted_entries", report.aborted_entries},
                 {"last_lsn", target}});
    relay->reset();
    orphan->reset();
    if (published) WriteDrainedMark(dir);  // after what Open itself wrote
    ++drained;
  }
  return drained;
}

void ServiceStorage::AddAdminRoutes(claims::Router* router) {
  router->Add(
      "POST", "/admin/snapshot",
      [this](const claims::HttpRequest& request) {
        auto info = Snapshot();
        if (!info.ok()) return claims::RequestFailed(request, info.status());
        return claims::JsonResponse(201, {{"snapshot", info->path}, {"lsn", info->lsn}});
      },
      claims::RouteAccess::kOperator);
}

std::vector<claims::ReadinessCheck> ServiceStorage::ReadinessChecks() {
  std::shared_ptr<claims::ReadConnections> reads = reads_;
  Journal* journal = journal_.get();
  claims::KafkaEventPublisher* producer = publisher_.get();
  return {
      {"database", [reads] { return reads->Acquire()->Exec("SELECT 1"); }},
      {"wal", [journal] { return journal->failure(); }},
      {"broker", [producer] { return producer->CheckBroker(std::chrono::milliseconds(1000)); }}};
}

}  // namespace wal
