#include "wal/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "fault_file_system.h"
#include "shared/clock.h"
#include "wal/outbox_relay.h"
#include "wal/record_format.h"
#include "wal/repair.h"
#include "wal/snapshot.h"

namespace wal {
namespace {

using claims::Status;
using claims::StatusCode;
using claims::StatusOr;

const std::vector<StateTable> kTables = {
    {"items", "item_id", {"item_id", "value", "version"}},
};

std::string FreshDir(const std::string& name) {
  const auto dir = std::filesystem::path(::testing::TempDir()) /
                   ("journal_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void CreateSchema(const std::string& db_path) {
  auto db = claims::SqliteDatabase::Open(db_path);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)
                  ->Exec("CREATE TABLE IF NOT EXISTS items (item_id TEXT PRIMARY KEY, "
                         "value TEXT NOT NULL UNIQUE, version INTEGER NOT NULL)")
                  .ok());
}

JournalOptions OptionsFor(const std::string& dir) {
  JournalOptions o;
  o.wal_dir = dir + "/wal";
  o.wal_id = "test";
  o.db_path = dir + "/state.sqlite";
  o.tables = kTables;
  o.log.fsync = FsyncPolicy::kNone;
  return o;
}

// The journal's WAL on `fs`, which fails the operations a test tells it to, syncing every batch.
JournalOptions OnFaultyDisk(const std::string& dir, testing::FaultFileSystem* fs) {
  JournalOptions o = OptionsFor(dir);
  o.log.fs = fs;
  o.log.fsync = FsyncPolicy::kAlways;
  return o;
}

// The committed value of an item, or "" when absent.
std::string ValueOf(const std::string& db_path, const std::string& id) {
  auto db = claims::SqliteDatabase::Open(db_path);
  auto s = (*db)->Prepare("SELECT value || '@' || version FROM items WHERE item_id = ?1");
  (*s)->Bind(1, std::string_view(id));
  StatusOr<bool> row = (*s)->Step();
  std::string v = row.ok() && *row ? (*s)->ColumnText(0) : "";
  (*s)->Reset();
  return v;
}

Status PutItem(Journal& j, const std::string& id, const std::string& value, int64_t version) {
  return j.Execute([&](JournalTxn& txn) {
    txn.Emit({"claim-events", id, id + "/v" + std::to_string(version), value, {}});
    return txn.Put("items", {{"item_id", id}, {"value", value}, {"version", version}});
  });
}

// The record as a JSON tree, the way entries were encoded before EncodeJournalRecord wrote its
// text directly: the two must be byte for byte the same, so entries of either kind read alike.
std::string EncodedAsATree(const JournalRecord& record) {
  nlohmann::json changes = nlohmann::json::array();
  for (const RowChange& c : record.changes) {
    nlohmann::json j = {{"table", c.table}, {"row", c.row}};
    if (c.deleted) j["deleted"] = true;
    changes.push_back(std::move(j));
  }
  nlohmann::json events = nlohmann::json::array();
  for (const claims::OutgoingEvent& e : record.events) {
    nlohmann::json j = {
        {"topic", e.topic}, {"key", e.key}, {"event_id", e.event_id}, {"payload", e.payload}};
    if (!e.headers.empty()) j["headers"] = e.headers;
    events.push_back(std::move(j));
  }
  nlohmann::json j = {{"changes", std::move(changes)}, {"events", std::move(events)}};
  if (record.db_position) j["db_position"] = *record.db_position;
  return j.dump();
}

TEST(JournalRecordTest, EncodingIsTheJsonTreesTextAndDecodesBack) {
  JournalRecord empty;
  EXPECT_EQ(EncodeJournalRecord(empty), EncodedAsATree(empty));
  JournalRecord r;
  r.changes.push_back({"items",
                       {{"item_id", "a\"b\\c\n"},
                        {"value", "\u00e9t\u00e9 \u2192"},
                        {"note", nullptr},
                        {"version", 3}}});
  r.changes.push_back({"items", {{"item_id", "gone"}, {"version", 9}}, true});
  r.events.push_back({"claim-events", "key\t1", "ev-1", R"({"a":"x\"y"})", {}});
  r.events.push_back({"policies", "k", "ev-2", "{}", {{"source", "claim-service"}, {"n", "1"}}});
  r.db_position = 12345;
  const std::string text = EncodeJournalRecord(r);
  EXPECT_EQ(text, EncodedAsATree(r));
  StatusOr<JournalRecord> back = DecodeJournalRecord(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->changes.size(), 2u);
  EXPECT_EQ(back->changes[0].row, r.changes[0].row);
  EXPECT_TRUE(back->changes[1].deleted);
  ASSERT_EQ(back->events.size(), 2u);
  EXPECT_EQ(back->events[0].payload, r.events[0].payload);
  EXPECT_EQ(back->events[1].headers, r.events[1].headers);
  EXPECT_EQ(back->db_position, 12345u);
}

TEST(JournalTest, CommittedChangeIsInTheWalAndTheDatabase) {
  const std::string dir = FreshDir("commit");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  ASSERT_TRUE(PutItem(**j, "a", "one", 1).ok());
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "a"), "one@1");
  EXPECT_EQ((*j)->committed_lsn(), 1u);
  EXPECT_EQ((*j)->log().durable_lsn(), 2u) << "the entry and its commit mark";
  std::vector<JournalRecord> records;
  WalOutcomes outcomes;
  ASSERT_TRUE((*j)->log()
                  .ReadFrom(1,
                            [&](const Entry& e) {
                              EXPECT_TRUE(outcomes.Add(e).ok());
                              if (e.type == kJournalEntryType) {
                                records.push_back(*DecodeJournalRecord(e.payload));
                              }
                              return true;
                            })
                  .ok());
  EXPECT_EQ(outcomes.committed_through, 1u);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].changes[0].row["value"], "one");
  EXPECT_EQ(records[0].events[0].event_id, "a/v1");
}

TEST(JournalTest, FailedCommandLeavesNoTraceAndOthersInTheBatchCommit) {
  const std::string dir = FreshDir("rollback");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(PutItem(**j, "a", "taken", 1).ok());
  std::vector<Journal::Command> commands;
  // Each command's AfterCommit: (item, LSN) once committed; those of failed commands never run.
  std::vector<std::pair<std::string, uint64_t>> committed;
  const auto tell = [&committed](JournalTxn& txn, std::string item) {
    txn.AfterCommit([&committed, item](uint64_t lsn) { committed.emplace_back(item, lsn); });
  };
  commands.push_back([&](JournalTxn& txn) {
    tell(txn, "b");
    return txn.Put("items", {{"item_id", "b"}, {"value", "fine"}, {"version", 1}});
  });
  commands.push_back([&](JournalTxn& txn) -> Status {
    tell(txn, "c");
    // Stages a row, then fails: the row must not survive.
    Status s = txn.Put("items", {{"item_id", "c"}, {"value", "staged"}, {"version", 1}});
    if (!s.ok()) return s;
    return claims::Conflict("refused");
  });
  commands.push_back([&](JournalTxn& txn) {
    tell(txn, "d");
    return txn.Put("items", {{"item_id", "d"}, {"value", "taken"}, {"version", 1}});
  });
  const std::vector<Status> results = (*j)->ExecuteAll(std::move(commands));
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].message(), "refused");
  EXPECT_EQ(results[2].code(), StatusCode::kConflict) << "unique value";
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "b"), "fine@1");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "c"), "");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "d"), "");
  // a (LSN 1), its commit mark (2), b (3): only the successful commands are logged.
  EXPECT_EQ((*j)->committed_lsn(), 3u);
  EXPECT_EQ(committed, (std::vector<std::pair<std::string, uint64_t>>{{"b", 3}}))
      << "before the callers are answered, and only for what committed";
}

// A command may write its entry's LSN into a row (the claim's history names its WAL entry):
// the LSN it is told is the one the entry gets, whatever failed, read only or was refused before
// it in the batch, and the row in the WAL says the same, so a replayed row names its entry too.
TEST(JournalTest, ACommandIsToldTheLsnItsEntryGets) {
  const std::string dir = FreshDir("own_lsn");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(PutItem(**j, "first", "1", 1).ok());  // LSN 1, its commit mark 2
  std::map<std::string, uint64_t> told;             // item -> the LSN its command was told
  std::map<std::string, uint64_t> committed;        // item -> the LSN AfterCommit got
  const auto put = [&](std::string item, bool fail) {
    return [&, item, fail](JournalTxn& txn) -> Status {
      EXPECT_EQ(txn.wal_id(), "test");
      told[item] = txn.lsn();
      txn.AfterCommit([&committed, item](uint64_t lsn) { committed[item] = lsn; });
      CLAIMS_RETURN_IF_ERROR(txn.Put(
          "items",
          {{"item_id", item}, {"value", item + "@" + std::to_string(txn.lsn())}, {"version", 1}}));
      return fail ? claims::Conflict("refused") : Status::Ok();
    };
  };
  std::vector<Journal::Command> commands;
  commands.push_back(put("a", false));
  commands.push_back(put("failed", true));
  commands.push_back([](JournalTxn&) { return Status::Ok(); });  // stages nothing: no entry
  commands.push_back(put("b", false));
  for (const Status& s : (*j)->ExecuteAll(std::move(commands))) (void)s;
  ASSERT_TRUE((*j)->Execute(put("c", false)).ok());
  EXPECT_EQ(committed, (std::map<std::string, uint64_t>{{"a", 3}, {"b", 4}, {"c", 6}}));
  EXPECT_EQ(told["a"], 3u);
  EXPECT_EQ(told["b"], 4u) << "the failed and the empty command took no LSN";
  EXPECT_EQ(told["c"], 6u) << "after the batch's commit mark (5)";
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "b"), "b@4@1");
  // In the WAL, the entry at LSN n carries the row that says n.
  ASSERT_TRUE((*j)->log()
                  .ReadFrom(1,
                            [&](const Entry& e) {
                              if (e.type != kJournalEntryType) return true;
                              const JournalRecord r = *DecodeJournalRecord(e.payload);
                              const std::string value = r.changes.at(0).row["value"];
                              if (value != "1") {
                                EXPECT_EQ(value.substr(value.find('@') + 1), std::to_string(e.lsn));
                              }
                              return true;
                            })
                  .ok());
}

// Entries that are not the journal's (snapshot markers) appended while commands run take no
// LSN a command was told: every command commits at the LSN it was told, none fails.
TEST(JournalTest, EntriesAppendedBetweenBatchesTakeNoToldLsn) {
  const std::string dir = FreshDir("between_batches");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok());
  std::atomic<bool> done{false};
  std::thread markers([&] {
    while (!done) {
      ASSERT_TRUE((*j)->AppendBetweenBatches({kSnapshotEntryType, 1, "{}"}).ok());
    }
  });
  std::vector<std::thread> writers;
  std::atomic<int> mismatches{0};
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 100; ++i) {
        const std::string id = std::to_string(w) + "-" + std::to_string(i);
        uint64_t told = 0;
        uint64_t committed = 0;
        const Status s = (*j)->Execute([&](JournalTxn& txn) {
          told = txn.lsn();
          txn.AfterCommit([&committed](uint64_t lsn) { committed = lsn; });
          return txn.Put("items", {{"item_id", id}, {"value", id}, {"version", 1}});
        });
        if (!s.ok() || told != committed) ++mismatches;
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  markers.join();
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_TRUE((*j)->failure().ok()) << (*j)->failure().ToString();
}

// An entry over the WAL's record limit would fail the batch's whole write, and a failed write
// stops the journal: it is refused for its own command, and the others and later ones go on.
TEST(JournalTest, OversizedChangeIsRefusedAloneAndTheJournalGoesOn) {
  const std::string dir = FreshDir("oversized");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok());
  std::vector<Journal::Command> commands;
  commands.push_back([](JournalTxn& txn) {
    return txn.Put("items", {{"item_id", "before"}, {"value", "fine"}, {"version", 1}});
  });
  commands.push_back([](JournalTxn& txn) {
    return txn.Put(
        "items",
        {{"item_id", "huge"}, {"value", std::string(kMaxPayloadSize, 'x')}, {"version", 1}});
  });
  commands.push_back([](JournalTxn& txn) {
    return txn.Put("items", {{"item_id", "after"}, {"value", "fine too"}, {"version", 1}});
  });
  const std::vector<Status> results = (*j)->ExecuteAll(std::move(commands));
  EXPECT_TRUE(results[0].ok()) << results[0].ToString();
  EXPECT_EQ(results[1].code(), StatusCode::kInvalidArgument);
  EXPECT_NE(results[1].message().find("too large for the write-ahead log"), std::string::npos)
      << results[1].ToString();
  EXPECT_TRUE(results[2].ok()) << results[2].ToString();
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "huge"), "");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "after"), "fine too@1");
  EXPECT_TRUE((*j)->failure().ok());
  EXPECT_EQ((*j)->committed_lsn(), 2u);
  EXPECT_TRUE(PutItem(**j, "later", "still works", 1).ok());
}

// SQLite rolls a whole transaction back by itself on SQLITE_FULL, IOERR or NOMEM; here a command
// ends it the same way. Nothing of the batch may then commit, least of all outside the WAL.
TEST(JournalTest, TransactionLostMidBatchCommitsNothingOfTheBatch) {
  const std::string dir = FreshDir("lost_txn");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok());
  std::vector<Journal::Command> commands;
  commands.push_back([](JournalTxn& txn) {
    return txn.Put("items", {{"item_id", "first"}, {"value", "one"}, {"version", 1}});
  });
  commands.push_back([](JournalTxn& txn) -> Status {
    CLAIMS_RETURN_IF_ERROR(txn.db().Exec("ROLLBACK"));  // as SQLite does on SQLITE_FULL
    // Carrying on regardless must not write outside the transaction.
    Status s = txn.Put("items", {{"item_id", "second"}, {"value", "two"}, {"version", 1}});
    EXPECT_EQ(s.code(), StatusCode::kUnavailable);
    return Status::Ok();
  });
  commands.push_back([](JournalTxn& txn) {
    return txn.Put("items", {{"item_id", "third"}, {"value", "three"}, {"version", 1}});
  });
  const std::vector<Status> results = (*j)->ExecuteAll(std::move(commands));
  for (const Status& r : results) EXPECT_EQ(r.code(), StatusCode::kUnavailable) << r.ToString();
  for (const char* id : {"first", "second", "third"}) {
    EXPECT_EQ(ValueOf(dir + "/state.sqlite", id), "") << id;
  }
  EXPECT_EQ((*j)->log().durable_lsn(), 0u) << "nothing of the batch was logged";
  EXPECT_TRUE((*j)->failure().ok()) << "the WAL never failed: the journal keeps serving";
  EXPECT_TRUE(PutItem(**j, "later", "works", 1).ok());
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "later"), "works@1");
}

// A failed WAL write is not the request's fault: the batch is answered kUnavailable (its
// callers retry, elsewhere or after a restart; a consumer does not dead-letter the message), and
// every later command the same way, as the log itself refuses.
TEST(JournalTest, WalFailureAnswersTheBatchAndEveryLaterCommandUnavailable) {
  const std::string dir = FreshDir("wal_failure");
  CreateSchema(dir + "/state.sqlite");
  testing::FaultFileSystem fs;
  auto j = Journal::Open(OnFaultyDisk(dir, &fs));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  ASSERT_TRUE(PutItem(**j, "a", "one", 1).ok());
  fs.FailOperation(2, testing::Fault::kIoError);  // the batch's write lands, its fdatasync fails
  const Status failed = PutItem(**j, "b", "two", 1);
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.ToString();
  EXPECT_NE(failed.message().find("fdatasync"), std::string::npos) << failed.ToString();
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "b"), "");
  const Status later = PutItem(**j, "c", "three", 1);
  EXPECT_EQ(later.code(), StatusCode::kUnavailable) << later.ToString();
  EXPECT_EQ((*j)->log().Append({kJournalEntryType, 1, "{}"}).status().code(),
            StatusCode::kUnavailable)
      << "the log refuses with the same code";
  EXPECT_FALSE((*j)->failure().ok());
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "a"), "one@1");
}

TEST(JournalTest, OlderVersionNeverOverwritesNewer) {
  const std::string dir = FreshDir("versions");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(PutItem(**j, "a", "three", 3).ok());
  ASSERT_TRUE(PutItem(**j, "a", "two", 2).ok());
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "a"), "three@3");
  ASSERT_TRUE((*j)->Execute([](JournalTxn& txn) {
                    return txn.Remove("items", {{"item_id", "a"}, {"version", 3}});
                  })
                  .ok());
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "a"), "three@3") << "a delete must be newer";
}

// A process that dies between its WAL append and its COMMIT leaves an entry nobody was answered
// for. Open aborts it (never replays it), records that in the database and the WAL, once.
TEST(JournalTest, EntryThatNeverCommittedIsAbortedAtOpenNotReplayed) {
  const std::string dir = FreshDir("abort");
  CreateSchema(dir + "/state.sqlite");
  {
    auto j = Journal::Open(OptionsFor(dir));
    ASSERT_TRUE(PutItem(**j, "a", "one", 1).ok());
  }
  uint64_t prepared_lsn = 0;
  {
    auto log = Log::Open(dir + "/wal", OptionsFor(dir).log);
    ASSERT_TRUE(log.ok());
    JournalRecord r;
    r.changes.push_back({"items", {{"item_id", "a"}, {"value", "uno"}, {"version", 2}}, false});
    r.changes.push_back({"items", {{"item_id", "b"}, {"value", "two"}, {"version", 1}}, false});
    auto lsn = (*log)->Append({kJournalEntryType, 1, EncodeJournalRecord(r)});
    ASSERT_TRUE(lsn.ok());
    prepared_lsn = *lsn;
  }
  JournalOpenReport report;
  auto j = Journal::Open(OptionsFor(dir), &report);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(report.aborted_entries, 1u);
  EXPECT_TRUE((*j)->aborted().Contains(prepared_lsn));
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "a"), "one@1");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "b"), "");
  WalOutcomes outcomes;
  ASSERT_TRUE((*j)->log().ReadFrom(1, [&](const Entry& e) { return outcomes.Add(e).ok(); }).ok());
  EXPECT_TRUE(outcomes.aborted.Contains(prepared_lsn)) << "the WAL says so too, for restores";
  EXPECT_EQ(outcomes.committed_through, 1u);
  // The journal goes on past it, and a new entry's LSN is above the aborted one.
  ASSERT_TRUE(PutItem(**j, "b", "deux", 1).ok());
  EXPECT_GT((*j)->committed_lsn(), prepared_lsn);
  const uint64_t durable = (*j)->log().durable_lsn();
  j->reset();
  JournalOpenReport again;
  auto reopened = Journal::Open(OptionsFor(dir), &again);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(again.aborted_entries, 0u);
  EXPECT_TRUE((*reopened)->aborted().Contains(prepared_lsn)) << "kept in the database";
  EXPECT_EQ((*reopened)->log().durable_lsn(), durable) << "nothing more to write";
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "b"), "deux@1");
}

// The database has no record of a WAL that holds entries: it is not that WAL's database (a lost
// one recreated empty, say). Starting would abort everything; it refuses instead.
TEST(JournalTest, DatabaseWithoutARecordOfTheWalIsRefused) {
  const std::string dir = FreshDir("foreign");
  CreateSchema(dir + "/state.sqlite");
  {
    auto j = Journal::Open(OptionsFor(dir));
    ASSERT_TRUE(PutItem(**j, "a", "one", 1).ok());
  }
  std::filesystem::remove(dir + "/state.sqlite");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(j.status().message().find("develop_local.sh replay"), std::string::npos)
      << j.status().ToString();
}

TEST(JournalTest, ConcurrentCommandsShareCommitsAndAllLand) {
  const std::string dir = FreshDir("concurrent");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_TRUE(PutItem(**j, id, "v" + id, 1).ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  uint64_t entries = 0;
  ASSERT_TRUE((*j)->log()
                  .ReadFrom(1,
                            [&](const Entry& e) {
                              entries += e.type == kJournalEntryType;
                              return true;
                            })
                  .ok());
  EXPECT_EQ(entries, 400u);
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "7-49"), "v7-49@1");
}

// Submit: the caller does not wait; each command's result reaches its `done` on the completion
// thread once its entry is durable and committed, in the order the commands committed, and
// commands submitted together share transactions (one WAL write each).
TEST(JournalTest, SubmittedCommandsAreAnsweredInOrderOnceCommitted) {
  const std::string dir = FreshDir("submit");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  constexpr int kCommands = 300;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<int, Status>> answered;
  std::vector<uint64_t> committed_at;  // the journal's committed LSN when each `done` ran
  std::set<std::thread::id> done_threads;
  for (int i = 0; i < kCommands; ++i) {
    const std::string id = "s" + std::to_string(i);
    // Every 10th command fails: its `done` gets its own error, the others commit.
    (*j)->Submit(
        [id, i](JournalTxn& txn) -> Status {
          if (i % 10 == 9) return claims::Conflict("refused " + id);
          return txn.Put("items", {{"item_id", id}, {"value", "v" + id}, {"version", 1}});
        },
        [&, i](const Status& result) {
          std::lock_guard lock(mu);
          answered.emplace_back(i, result);
          committed_at.push_back((*j)->committed_lsn());
          done_threads.insert(std::this_thread::get_id());
          cv.notify_all();
        });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30),
                            [&] { return answered.size() == static_cast<size_t>(kCommands); }));
  }
  for (int i = 0; i < kCommands; ++i) {
    EXPECT_EQ(answered[i].first, i) << "answers come in submission order";
    if (i % 10 == 9) {
      EXPECT_EQ(answered[i].second.code(), StatusCode::kConflict);
    } else {
      EXPECT_TRUE(answered[i].second.ok()) << answered[i].second.ToString();
    }
  }
  EXPECT_EQ(done_threads.size(), 1u) << "every done runs on the completion thread";
  EXPECT_EQ(done_threads.count(std::this_thread::get_id()), 0u);
  EXPECT_GT(committed_at.front(), 0u) << "answered only after its batch committed";
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "s0"), "vs0@1");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "s9"), "");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "s299"), "");
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "s298"), "vs298@1");
  uint64_t entries = 0;
  uint64_t marks = 0;
  ASSERT_TRUE((*j)->log()
                  .ReadFrom(1,
                            [&](const Entry& e) {
                              entries += e.type == kJournalEntryType;
                              marks += e.type == kOutcomeEntryType;
                              return true;
                            })
                  .ok());
  EXPECT_EQ(entries, 270u);
  EXPECT_LT(marks, 100u) << "300 submissions queued at once share batches (one mark each)";
}

TEST(JournalTest, SubmittedCommandsStillQueuedAtCloseAreFinishedAndAnswered) {
  const std::string dir = FreshDir("submit_close");
  CreateSchema(dir + "/state.sqlite");
  std::atomic<int> ok{0};
  {
    auto j = Journal::Open(OptionsFor(dir));
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    for (int i = 0; i < 100; ++i) {
      const std::string id = "c" + std::to_string(i);
      (*j)->Submit(
          [id](JournalTxn& txn) {
            return txn.Put("items", {{"item_id", id}, {"value", "v" + id}, {"version", 1}});
          },
          [&ok](const Status& result) { ok += result.ok() ? 1 : 0; });
    }
  }  // closed with commands queued
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(ValueOf(dir + "/state.sqlite", "c99"), "vc99@1");
}

TEST(JournalTest, ASubmissionToAStoppedJournalIsRefusedAtOnce) {
  const std::string dir = FreshDir("submit_stopped");
  CreateSchema(dir + "/state.sqlite");
  testing::FaultFileSystem fs;
  auto j = Journal::Open(OnFaultyDisk(dir, &fs));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  fs.FailOperation(1, testing::Fault::kIoError);
  EXPECT_EQ(PutItem(**j, "a", "one", 1).code(), StatusCode::kUnavailable);
  std::optional<Status> refused;
  std::thread::id where;
  (*j)->Submit([](JournalTxn&) { return Status::Ok(); },
               [&](const Status& result) {
                 refused = result;
                 where = std::this_thread::get_id();
               });
  ASSERT_TRUE(refused.has_value()) << "refused before Submit returned";
  EXPECT_EQ(refused->code(), StatusCode::kUnavailable) << refused->ToString();
  EXPECT_EQ(where, std::this_thread::get_id());
}

// A publisher that records what it was given and fails while `fail` is set.
class FakePublisher final : public claims::EventPublisher {
 public:
  Status PublishAll(std::span<const claims::OutgoingEvent> events,
                    std::chrono::milliseconds) override {
    std::lock_guard lock(mu);
    ++calls;
    if (fail) return claims::Unavailable("broker down");
    for (const auto& e : events) published.push_back(e.event_id);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<std::string> published;
  bool fail = false;
  int calls = 0;
};

// The position is written at most every record_interval (each write waits for the database's
// write lock, which the committer holds through its fsyncs), and always when the relay stops.
TEST(OutboxRelayTest, RecordsItsPositionAtMostEveryIntervalAndWhenItStops) {
  const std::string dir = FreshDir("relay_interval");
  CreateSchema(dir + "/state.sqlite");
  prometheus::Registry metrics;
  FakePublisher publisher;
  RelayOptions relay_options;
  relay_options.db_path = dir + "/state.sqlite";
  relay_options.record_interval = std::chrono::hours(1);
  auto recorded = [&] {
    auto db = claims::SqliteDatabase::Open(dir + "/state.sqlite");
    StatusOr<uint64_t> lsn = OutboxRelay::RecordedPosition(**db, "test");
    return lsn.ok() ? *lsn : uint64_t{999999};
  };
  uint64_t last = 0;
  {
    auto j = Journal::Open(OptionsFor(dir));
    auto relay = OutboxRelay::Start(**j, publisher, relay_options, metrics);
    ASSERT_TRUE(relay.ok());
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(PutItem(**j, "a", "v" + std::to_string(i), i).ok());
    last = (*j)->committed_lsn();
    ASSERT_TRUE((*relay)->WaitPublished(last, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // idle past one wait
    EXPECT_EQ(recorded(), 0u) << "not written within the interval";
  }
  EXPECT_EQ(recorded(), last) << "written when the relay stopped";
}

TEST(OutboxRelayTest, PublishesInLsnOrderAndResumesFromItsRecordedPosition) {
  const std::string dir = FreshDir("relay");
  CreateSchema(dir + "/state.sqlite");
  prometheus::Registry metrics;
  FakePublisher publisher;
  RelayOptions relay_options;
  relay_options.db_path = dir + "/state.sqlite";
  relay_options.retry_backoff = std::chrono::milliseconds(10);
  uint64_t fifth = 0;
  uint64_t seventh = 0;
  {
    auto j = Journal::Open(OptionsFor(dir));
    auto relay = OutboxRelay::Start(**j, publisher, relay_options, metrics);
    ASSERT_TRUE(relay.ok());
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(PutItem(**j, "a", "v" + std::to_string(i), i).ok());
    fifth = (*j)->committed_lsn();
    ASSERT_TRUE((*relay)->WaitPublished(fifth, std::chrono::seconds(10)));
    {
      std::lock_guard lock(publisher.mu);
      publisher.fail = true;  // the broker goes down
    }
    ASSERT_TRUE(PutItem(**j, "b", "b1", 1).ok());
    ASSERT_TRUE(PutItem(**j, "b", "b2", 2).ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ((*relay)->published_lsn(), fifth);
    seventh = (*j)->committed_lsn();
  }
  // Restarted with the broker back: the two unpublished events go out, the first five do not.
  {
    std::lock_guard lock(publisher.mu);
    publisher.fail = false;
  }
  auto j = Journal::Open(OptionsFor(dir));
  auto relay = OutboxRelay::Start(**j, publisher, relay_options, metrics);
  ASSERT_TRUE((*relay)->WaitPublished(seventh, std::chrono::seconds(10)));
  std::lock_guard lock(publisher.mu);
  EXPECT_EQ(publisher.published,
            (std::vector<std::string>{"a/v1", "a/v2", "a/v3", "a/v4", "a/v5", "b/v1", "b/v2"}));
}

}  // namespace
}  // namespace wal

namespace wal {
namespace {

// Every row of every table but relay_positions (which a restore may leave behind: events are
// then published again, and consumers deduplicate), as text, sorted.
std::vector<std::string> Dump(const std::string& db_path) {
  auto db = claims::SqliteDatabase::Open(db_path);
  std::vector<std::string> tables;
  {
    auto s = (*db)->Prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'relay_positions' "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name");
    while (*(*s)->Step()) tables.push_back((*s)->ColumnText(0));
    (*s)->Reset();
  }
  std::vector<std::string> rows;
  for (const std::string& t : tables) {
    auto cols =
        (*db)->Prepare("SELECT group_concat(name, ', ') FROM pragma_table_info('" + t + "')");
    (void)(*cols)->Step();
    const std::string list = (*cols)->ColumnText(0);
    (*cols)->Reset();
    auto s = (*db)->Prepare("SELECT '" + t + "' || ': ' || json_array(" + list + ") FROM " + t);
    while (*(*s)->Step()) rows.push_back((*s)->ColumnText(0));
    (*s)->Reset();
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(RestoreTest, RebuiltDatabaseEqualsTheLostOneTableByTable) {
  const std::string dir = FreshDir("restore");
  CreateSchema(dir + "/state.sqlite");
  JournalOptions a = OptionsFor(dir);
  JournalOptions b = OptionsFor(dir);
  b.wal_dir = dir + "/wal-b";
  b.wal_id = "test-b";
  auto ja = Journal::Open(a);
  auto jb = Journal::Open(b);
  ASSERT_TRUE(ja.ok() && jb.ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(PutItem(**ja, "a" + std::to_string(i), "va" + std::to_string(i), 1).ok());
    ASSERT_TRUE(PutItem(**jb, "b" + std::to_string(i), "vb" + std::to_string(i), 1).ok());
  }
  Journal& journal_a = **ja;
  auto snapshot = TakeSnapshot(
      dir + "/state.sqlite", "test", dir + "/snapshots",
      [&journal_a](NewEntry e) { return journal_a.AppendBetweenBatches(std::move(e)); });
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  EXPECT_EQ(snapshot->lsn, (*ja)->committed_lsn());
  // After the snapshot: updates across both WALs, a delete, new rows.
  for (int i = 0; i < 50; i += 2) {
    ASSERT_TRUE(PutItem(**jb, "a" + std::to_string(i), "va" + std::to_string(i) + "-2", 2).ok());
    ASSERT_TRUE(PutItem(**ja, "c" + std::to_string(i), "vc" + std::to_string(i), 1).ok());
  }
  ASSERT_TRUE((*ja)
                  ->Execute([](JournalTxn& txn) {
                    return txn.Remove("items", {{"item_id", "b7"}, {"version", 2}});
                  })
                  .ok());
  ja->reset();
  jb->reset();
  const std::vector<std::string> lost = Dump(dir + "/state.sqlite");

  auto report =
      RestoreDatabase(snapshot->path, {dir + "/wal", dir + "/wal-b"}, dir + "/rebuilt.sqlite");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entries_applied, 51u);
  EXPECT_EQ(Dump(dir + "/rebuilt.sqlite"), lost);
  EXPECT_EQ(
      RestoreDatabase(snapshot->path, {dir + "/wal"}, dir + "/rebuilt.sqlite").status().code(),
      StatusCode::kFailedPrecondition)
      << "restore never overwrites";
  // Written without a journal for speed: a restore that fails leaves no file behind.
  std::filesystem::create_directories(dir + "/not-a-wal");
  EXPECT_EQ(
      RestoreDatabase(snapshot->path, {dir + "/wal", dir + "/not-a-wal"}, dir + "/failed.sqlite")
          .status()
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(dir + "/failed.sqlite"));
}

// Two instances of one service snapshot the shared database into one directory at the same
// time, prune to 2 and remove the segments their retention allows, round after round. Every
// snapshot succeeds, the names order the history whoever took them, and every kept snapshot
// still rebuilds the database from the WALs that are left.
TEST(RestoreTest, SnapshotsOfTwoInstancesNeverCollideAndEveryKeptOneRestores) {
  const std::string dir = FreshDir("two_snapshotters");
  CreateSchema(dir + "/state.sqlite");
  std::vector<JournalOptions> options(2, OptionsFor(dir));
  options[1].wal_dir = dir + "/wal-b";
  options[1].wal_id = "test-b";
  std::vector<std::unique_ptr<Journal>> journals;
  for (JournalOptions& o : options) {
    o.log.segment_bytes = 4096;  // many segments, so retention really removes some
    auto j = Journal::Open(o);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    journals.push_back(std::move(*j));
  }
  const std::string snapshots = dir + "/snapshots";
  std::vector<std::thread> instances;
  std::atomic<int> failures{0};
  std::mutex newest_mu;
  uint64_t newest = 0;  // the latest state any snapshot holds
  for (int w = 0; w < 2; ++w) {
    instances.emplace_back([&, w] {
      Journal& j = *journals[w];
      // The instances go at different paces: their own LSNs say nothing of which state is newer.
      const int per_round = w == 0 ? 20 : 3;
      for (int round = 0; round < 15; ++round) {
        if (w == 1) std::this_thread::sleep_for(std::chrono::milliseconds(30));
        for (int i = 0; i < per_round; ++i) {
          const std::string id = std::to_string(w) + "-" + std::to_string(round * 20 + i);
          if (!PutItem(j, id, "v" + id, 1).ok()) ++failures;
        }
        auto taken = SnapshotAndPrune(
            options[w].db_path, options[w].wal_id, snapshots,
            [&j](NewEntry e) { return j.AppendBetweenBatches(std::move(e)); }, 2,
            j.log().durable_lsn());
        if (!taken.ok()) {
          ADD_FAILURE() << taken.status().ToString();
          ++failures;
          continue;
        }
        {
          std::lock_guard lock(newest_mu);
          newest = std::max(newest, taken->snapshot.position);
        }
        if (taken->retain_from > 0 && !j.log().TruncateBefore(taken->retain_from + 1).ok()) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : instances) t.join();
  EXPECT_EQ(failures.load(), 0);
  journals.clear();
  const std::vector<std::string> lost = Dump(dir + "/state.sqlite");
  const std::vector<std::string> kept = ListSnapshots(snapshots);
  ASSERT_EQ(kept.size(), 2u);
  for (const auto& e : std::filesystem::directory_iterator(snapshots)) {
    EXPECT_NE(e.path().extension(), ".tmp") << "a temporary file was left behind";
  }
  // Name order is history order: the later snapshot holds at least as much of every WAL.
  std::vector<std::vector<uint64_t>> held;
  for (const std::string& path : kept) {
    auto db = claims::SqliteDatabase::Open(path);
    ASSERT_TRUE(db.ok());
    held.push_back({*AppliedLsn(**db, "test"), *AppliedLsn(**db, "test-b")});
  }
  EXPECT_LE(held[0][0], held[1][0]);
  EXPECT_LE(held[0][1], held[1][1]);
  EXPECT_EQ(held[1][0] + held[1][1], newest) << "the newest snapshot was pruned";
  for (size_t k = 0; k < kept.size(); ++k) {
    const std::string out = dir + "/rebuilt-" + std::to_string(k) + ".sqlite";
    auto report = RestoreDatabase(kept[k], {dir + "/wal", dir + "/wal-b"}, out);
    ASSERT_TRUE(report.ok()) << kept[k] << ": " << report.status().ToString();
    EXPECT_EQ(Dump(out), lost) << kept[k];
  }
}

// LSNs never go backwards for a WAL: one that lost entries its database applied (recreated here;
// a repair --force cut or a removed segment is the same) stops the start with the command that
// resolves it, and after `walctl reseat` new entries continue above everything recorded, and
// are published.
TEST(JournalTest, WalBehindItsDatabaseRefusesToStartUntilReseated) {
  const std::string dir = FreshDir("behind");
  CreateSchema(dir + "/state.sqlite");
  uint64_t applied = 0;
  {
    auto j = Journal::Open(OptionsFor(dir));
    for (int i = 1; i <= 5; ++i) ASSERT_TRUE(PutItem(**j, "a", "v" + std::to_string(i), i).ok());
    applied = (*j)->committed_lsn();
  }
  std::filesystem::remove_all(dir + "/wal");
  auto refused = Journal::Open(OptionsFor(dir));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("walctl reseat " + dir + "/wal --after " +
                                            std::to_string(applied)),
            std::string::npos)
      << refused.status().ToString();

  auto reseated = ReseatLog(PosixFileSystem(), dir + "/wal", applied);
  ASSERT_TRUE(reseated.ok()) << reseated.status().ToString();
  EXPECT_EQ(reseated->next_lsn, applied + 1);
  EXPECT_EQ(ReseatLog(PosixFileSystem(), dir + "/wal", 0).status().code(),
            StatusCode::kFailedPrecondition)
      << "a log ahead of the LSN given is not reseated";

  FakePublisher publisher;
  prometheus::Registry metrics;
  RelayOptions relay_options;
  relay_options.db_path = dir + "/state.sqlite";
  auto j = Journal::Open(OptionsFor(dir));
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto relay = OutboxRelay::Start(**j, publisher, relay_options, metrics);
  ASSERT_TRUE(relay.ok());
  ASSERT_TRUE(PutItem(**j, "a", "v6", 6).ok());
  EXPECT_GT((*j)->committed_lsn(), applied);
  ASSERT_TRUE((*relay)->WaitPublished((*j)->committed_lsn(), std::chrono::seconds(10)));
  std::lock_guard lock(publisher.mu);
  EXPECT_EQ(publisher.published.back(), "a/v6");
}

// The brief's invariant in the case issue 10 names: two instances on one database. A dies
// after writing a batch to its WAL and before its COMMIT; B serves the client's retry and takes
// the coverage row to the same version. When A's WAL is opened again (A restarts, or B adopts
// it) A's entry must not apply, be published or be restored: it never committed.
TEST(JournalTest, TwoJournalsOnOneDatabaseNeverApplyAnEntryThatDidNotCommit) {
  const std::string dir = FreshDir("fork");
  const std::string db = dir + "/state.sqlite";
  CreateSchema(db);
  JournalOptions a = OptionsFor(dir);
  a.wal_dir = dir + "/wal-a";
  a.wal_id = "claim-a";
  JournalOptions b = OptionsFor(dir);
  b.wal_dir = dir + "/wal-b";
  b.wal_id = "claim-b";
  auto jb = Journal::Open(b);
  ASSERT_TRUE(jb.ok());
  {
    auto ja = Journal::Open(a);
    ASSERT_TRUE(ja.ok());
    ASSERT_TRUE(PutItem(**ja, "coverage", "reserved 0", 1).ok());
  }
  auto snapshot = TakeSnapshot(db, "claim-b", dir + "/snaps", nullptr);
  ASSERT_TRUE(snapshot.ok());
  // A's last act: the batch is durable in its WAL; the process dies before COMMIT.
  {
    auto log = Log::Open(a.wal_dir, a.log);
    ASSERT_TRUE(log.ok());
    JournalRecord r;
    r.changes.push_back(
        {"items",
         {{"item_id", "claim-by-a"}, {"value", "PAYMENT_REQUESTED by a"}, {"version", 1}}});
    r.changes.push_back(
        {"items", {{"item_id", "coverage"}, {"value", "reserved 100 by a"}, {"version", 2}}});
    r.events.push_back({"payment-commands", "claim-by-a", "claim-by-a/pay", "{}", {}});
    ASSERT_TRUE((*log)->Append({kJournalEntryType, 1, EncodeJournalRecord(r)}).ok());
  }
  // B serves the retry (same Idempotency-Key, another instance): its own claim, the same row
  // moved to the same version.
  ASSERT_TRUE(
      (*jb)
          ->Execute([](JournalTxn& txn) -> Status {
            txn.Emit({"payment-commands", "claim-by-b", "claim-by-b/pay", "{}", {}});
            CLAIMS_RETURN_IF_ERROR(txn.Put(
                "items",
                {{"item_id", "claim-by-b"}, {"value", "PAYMENT_REQUESTED by b"}, {"version", 1}}));
            return txn.Put(
                "items", {{"item_id", "coverage"}, {"value", "reserved 100 by b"}, {"version", 2}});
          })
          .ok());

  // A's WAL opened again, with its relay: nothing of the dead batch applies or leaves.
  FakePublisher publisher;
  prometheus::Registry metrics;
  RelayOptions relay_options;
  relay_options.db_path = db;
  JournalOpenReport report;
  auto reopened = Journal::Open(a, &report);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(report.aborted_entries, 1u);
  EXPECT_EQ(ValueOf(db, "coverage"), "reserved 100 by b@2");
  EXPECT_EQ(ValueOf(db, "claim-by-a"), "");
  {
    auto relay = OutboxRelay::Start(**reopened, publisher, relay_options, metrics);
    ASSERT_TRUE(relay.ok());
    ASSERT_TRUE((*relay)->WaitPublished((*reopened)->committed_lsn(), std::chrono::seconds(10)));
    ASSERT_TRUE(PutItem(**reopened, "after", "a works again", 1).ok());
    ASSERT_TRUE((*relay)->WaitPublished((*reopened)->committed_lsn(), std::chrono::seconds(10)));
  }
  {
    std::lock_guard lock(publisher.mu);
    EXPECT_EQ(publisher.published, (std::vector<std::string>{"coverage/v1", "after/v1"}))
        << "the aborted batch's payment command must never be published";
  }
  const std::vector<std::string> lost = Dump(db);
  reopened->reset();
  jb->reset();

  // The database lost: a restore from the snapshot and both WALs rebuilds it without the batch.
  auto restored = RestoreDatabase(snapshot->path, {a.wal_dir, b.wal_dir}, dir + "/rebuilt.sqlite");
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->entries_aborted, 1u);
  EXPECT_EQ(restored->entries_in_doubt, 0u);
  EXPECT_EQ(Dump(dir + "/rebuilt.sqlite"), lost);
}

// Restore merges the WALs in the order their entries committed, not by their clocks: here
// instance B's clock is 1,000 s behind A's. A creates an item, B deletes it, A creates it again
// under the same key (a policy id a client chose, reused after a delete). Merged by time, B's
// delete would come first and the first version of the item would win.
TEST(RestoreTest, WalsMergeInCommitOrderWhateverTheClocksSay) {
  const std::string dir = FreshDir("clock_step");
  const std::string db = dir + "/state.sqlite";
  CreateSchema(db);
  claims::ManualClock ahead(std::chrono::system_clock::time_point(std::chrono::seconds(2000)));
  claims::ManualClock behind(std::chrono::system_clock::time_point(std::chrono::seconds(1000)));
  JournalOptions a = OptionsFor(dir);
  a.wal_dir = dir + "/wal-a";
  a.wal_id = "a";
  a.log.clock = &ahead;
  JournalOptions b = OptionsFor(dir);
  b.wal_dir = dir + "/wal-b";
  b.wal_id = "b";
  b.log.clock = &behind;
  auto ja = Journal::Open(a);
  auto jb = Journal::Open(b);
  ASSERT_TRUE(ja.ok() && jb.ok());
  auto snapshot = TakeSnapshot(db, "a", dir + "/snaps", nullptr);
  ASSERT_TRUE(snapshot.ok());
  ASSERT_TRUE(PutItem(**ja, "p", "first", 1).ok());
  ASSERT_TRUE(PutItem(**ja, "p", "first, changed", 2).ok());
  ASSERT_TRUE((*jb)
                  ->Execute([](JournalTxn& txn) {
                    return txn.Remove("items", {{"item_id", "p"}, {"version", 3}});
                  })
                  .ok());
  ahead.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(PutItem(**ja, "p", "second", 1).ok());
  EXPECT_EQ(ValueOf(db, "p"), "second@1");
  ja->reset();
  jb->reset();
  const std::vector<std::string> lost = Dump(db);

  auto report = RestoreDatabase(snapshot->path, {a.wal_dir, b.wal_dir}, dir + "/rebuilt.sqlite");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entries_applied, 4u);
  EXPECT_EQ(ValueOf(dir + "/rebuilt.sqlite", "p"), "second@1");
  EXPECT_EQ(Dump(dir + "/rebuilt.sqlite"), lost);
}

TEST(RestoreTest, SegmentsAreKeptForTheOldestSnapshotAndTheRelay) {
  const std::string dir = FreshDir("retain");
  CreateSchema(dir + "/state.sqlite");
  auto j = Journal::Open(OptionsFor(dir));
  for (int i = 1; i <= 10; ++i) ASSERT_TRUE(PutItem(**j, "a", "v" + std::to_string(i), i).ok());
  const uint64_t tenth = (*j)->committed_lsn();
  ASSERT_TRUE(TakeSnapshot(dir + "/state.sqlite", "test", dir + "/snaps", nullptr).ok());
  for (int i = 11; i <= 20; ++i) ASSERT_TRUE(PutItem(**j, "a", "v" + std::to_string(i), i).ok());
  const uint64_t twentieth = (*j)->committed_lsn();
  ASSERT_TRUE(TakeSnapshot(dir + "/state.sqlite", "test", dir + "/snaps", nullptr).ok());
  EXPECT_EQ(ListSnapshots(dir + "/snaps").size(), 2u);
  EXPECT_EQ(*RetainFrom(dir + "/snaps", "test", 100), tenth) << "the oldest snapshot holds 10";
  EXPECT_EQ(*RetainFrom(dir + "/snaps", "test", 4), 4u) << "the relay is further behind";
  EXPECT_EQ(PruneSnapshots(dir + "/snaps", 1), 1);
  EXPECT_EQ(*RetainFrom(dir + "/snaps", "test", 100), twentieth);
}

}  // namespace
}  // namespace wal
