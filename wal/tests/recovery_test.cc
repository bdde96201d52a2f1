// Recovery on open: torn tails are cut (and kept), anything else refuses to open. The criterion
// everywhere: every acknowledged entry survives intact, LSNs are dense, nothing follows a gap.
#include <gtest/gtest.h>

#include "fault_file_system.h"
#include "wal/log.h"
#include "wal_test_util.h"

namespace wal {
namespace {

using testing::FaultFileSystem;
using testing::Payload;
using testing::PayloadFor;
using testing::ReadAll;

constexpr char kDir[] = "/wal";

Options OptionsFor(FileSystem* fs) {
  Options o;
  o.fs = fs;
  return o;
}

// Writes `count` entries and returns the segment path and each record's start offset.
std::pair<std::string, std::vector<size_t>> WriteEntries(FaultFileSystem* fs, int count) {
  auto log = Log::Open(kDir, OptionsFor(fs));
  EXPECT_TRUE(log.ok());
  for (int i = 1; i <= count; ++i) EXPECT_TRUE((*log)->Append(Payload(PayloadFor(i))).ok());
  const std::string path = std::string(kDir) + "/" + SegmentFileName(1);
  std::vector<size_t> offsets;
  size_t at = kSegmentHeaderSize;
  for (int i = 1; i <= count; ++i) {
    offsets.push_back(at);
    at += kRecordHeaderSize + PayloadFor(i).size();
  }
  offsets.push_back(at);  // end of the last record
  return {path, offsets};
}

// Writes 20 entries into segments of 200 bytes: several segments.
void WriteSegmentedLog(FaultFileSystem* fs) {
  Options o = OptionsFor(fs);
  o.segment_bytes = 200;
  auto log = Log::Open(kDir, o);
  ASSERT_TRUE(log.ok());
  for (int i = 1; i <= 20; ++i) ASSERT_TRUE((*log)->Append(Payload(PayloadFor(i))).ok());
}

void ExpectEntries(FaultFileSystem* fs, int count) {
  const auto all = ReadAll(fs, kDir);
  ASSERT_EQ(all.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    ASSERT_EQ(all[i].lsn, static_cast<uint64_t>(i + 1));
    ASSERT_EQ(all[i].payload, PayloadFor(i + 1));
  }
}

TEST(RecoveryTest, TruncationAtEveryByteOfTheLastThreeRecordsIsCutAndKept) {
  FaultFileSystem pristine;
  const auto [path, offsets] = WriteEntries(&pristine, 10);
  const std::string bytes = pristine.Content(path);
  ASSERT_EQ(bytes.size(), offsets.back());
  for (size_t cut = offsets[7]; cut < offsets[10]; ++cut) {
    FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    fs.SetContent(path, bytes.substr(0, cut));
    // Whole records before the cut survive; the partial one is cut.
    int whole = 0;
    while (offsets[whole + 1] <= cut) ++whole;
    OpenReport report;
    auto log = Log::Open(kDir, OptionsFor(&fs), &report);
    ASSERT_TRUE(log.ok()) << "cut at " << cut << ": " << log.status().ToString();
    EXPECT_EQ(report.last_lsn, static_cast<uint64_t>(whole)) << cut;
    const bool partial = cut > offsets[whole];
    EXPECT_EQ(report.cut_torn_tail, partial) << cut;
    if (partial) {
      EXPECT_EQ(fs.Content(report.torn_copy_path),
                bytes.substr(offsets[whole], cut - offsets[whole]));
    }
    EXPECT_EQ(*(*log)->Append(Payload(PayloadFor(whole + 1))), static_cast<uint64_t>(whole + 1));
    log->reset();
    ExpectEntries(&fs, whole + 1);
  }
}

TEST(RecoveryTest, EveryFlippedByteOfAMiddleRecordRefusesToOpen) {
  FaultFileSystem pristine;
  const auto [path, offsets] = WriteEntries(&pristine, 10);
  const std::string bytes = pristine.Content(path);
  for (size_t i = offsets[4]; i < offsets[5]; ++i) {
    FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDir(kDir).ok());
    std::string damaged = bytes;
    damaged[i] ^= 0x5a;
    fs.SetContent(path, damaged);
    auto log = Log::Open(kDir, OptionsFor(&fs));
    ASSERT_FALSE(log.ok()) << "flip at " << i;
    EXPECT_EQ(log.status().code(), claims::StatusCode::kFailedPrecondition);
    const std::string& m = log.status().message();
    EXPECT_NE(m.find(path + " offset " + std::to_string(offsets[4])), std::string::npos) << m;
    EXPECT_NE(m.find("walctl verify /wal"), std::string::npos) << m;
    EXPECT_EQ(fs.Content(path), damaged) << "a refused open must not change the log";
  }
}

TEST(RecoveryTest, StaleWellFormedRecordsAfterTheTailAreCut) {
  // An earlier use of the file space left whole, checksummed records of another segment
  // (another salt) with the very LSNs that would come next.
  FaultFileSystem old_fs;
  const auto [path, offsets] = WriteEntries(&old_fs, 10);
  FaultFileSystem fs;
  WriteEntries(&fs, 5);
  const std::string stale = old_fs.Content(path).substr(offsets[5]);
  fs.SetContent(path, fs.Content(path) + stale);
  OpenReport report;
  auto log = Log::Open(kDir, OptionsFor(&fs), &report);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(report.last_lsn, 5u);
  EXPECT_TRUE(report.cut_torn_tail);
  EXPECT_EQ(report.cut_bytes, stale.size());
  log->reset();
  ExpectEntries(&fs, 5);
}

TEST(RecoveryTest, UnsyncedPagesPersistedOutOfOrderAreATornTail) {
  // A crash during one multi-page write: later pages reached the disk, an earlier one did not
  // and reads back as zeros. Records 6-10 are ~1 KiB, so the hole covers whole sectors.
  FaultFileSystem fs;
  std::vector<size_t> offsets;
  std::string path;
  {
    auto log = Log::Open(kDir, OptionsFor(&fs));
    ASSERT_TRUE(log.ok());
    path = std::string(kDir) + "/" + SegmentFileName(1);
    for (int i = 1; i <= 10; ++i) {
      offsets.push_back(fs.Content(path).size());
      ASSERT_TRUE((*log)->Append(Payload(std::string(i > 5 ? 1000 : 10, 'a' + i))).ok());
    }
  }
  std::string bytes = fs.Content(path);
  const size_t hole = (offsets[6] / 512 + 1) * 512;  // a sector inside record 7
  std::fill(bytes.begin() + static_cast<long>(hole), bytes.begin() + static_cast<long>(hole + 512),
            '\0');
  fs.SetContent(path, bytes);
  OpenReport report;
  auto log = Log::Open(kDir, OptionsFor(&fs), &report);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(report.last_lsn, 6u);
  EXPECT_EQ(report.cut_bytes, bytes.size() - offsets[6]);
}

TEST(RecoveryTest, ZeroFilledTailIsTorn) {
  FaultFileSystem fs;
  const auto [path, offsets] = WriteEntries(&fs, 3);
  fs.SetContent(path, fs.Content(path) + std::string(4096, '\0'));
  OpenReport report;
  auto log = Log::Open(kDir, OptionsFor(&fs), &report);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(report.last_lsn, 3u);
  EXPECT_EQ(report.cut_bytes, 4096u);
}

TEST(RecoveryTest, DamageInAnEarlierSegmentIsCorruption) {
  FaultFileSystem fs;
  WriteSegmentedLog(&fs);
  const std::string first = std::string(kDir) + "/" + SegmentFileName(1);
  std::string bytes = fs.Content(first);
  bytes.resize(bytes.size() - 3);  // a torn end is corruption when later segments exist
  fs.SetContent(first, bytes);
  auto log = Log::Open(kDir, OptionsFor(&fs));
  EXPECT_EQ(log.status().code(), claims::StatusCode::kFailedPrecondition);
}

TEST(RecoveryTest, MissingSegmentIsAGapAndRefused) {
  FaultFileSystem fs;
  WriteSegmentedLog(&fs);
  auto scan = ScanLog(&fs, kDir);
  ASSERT_GE(scan->segments.size(), 3u);
  ASSERT_TRUE(fs.Remove(scan->segments[1].path).ok());
  auto log = Log::Open(kDir, OptionsFor(&fs));
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("expected"), std::string::npos) << log.status().message();
}

TEST(RecoveryTest, DamagedSegmentHeaderIsRefused) {
  FaultFileSystem fs;
  const auto [path, offsets] = WriteEntries(&fs, 3);
  std::string bytes = fs.Content(path);
  bytes[3] = 'X';
  fs.SetContent(path, bytes);
  auto log = Log::Open(kDir, OptionsFor(&fs));
  ASSERT_FALSE(log.ok());
  EXPECT_NE(log.status().message().find("bad magic"), std::string::npos);
}

}  // namespace
}  // namespace wal
