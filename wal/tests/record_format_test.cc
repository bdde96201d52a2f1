#include "wal/record_format.h"

#include <gtest/gtest.h>

namespace wal {
namespace {

TEST(RecordFormatTest, RecordRoundTrips) {
  const Entry e{42, 1767225600000000, 7, 2, R"({"claim_id":"x","crc":"3a1b"})"};
  std::string bytes;
  EncodeRecord(e, 0x1234, &bytes);
  EXPECT_EQ(bytes.size(), kRecordHeaderSize + e.payload.size());
  Entry out;
  size_t size = 0;
  ASSERT_EQ(DecodeRecord(bytes, 0x1234, &out, &size), RecordStatus::kOk);
  EXPECT_EQ(out, e);
  EXPECT_EQ(size, bytes.size());
}

TEST(RecordFormatTest, ARecordFromAnotherSegmentFailsItsChecksum) {
  std::string bytes;
  EncodeRecord(Entry{1, 0, 1, 1, "payload"}, 0x1111, &bytes);
  Entry out;
  size_t size = 0;
  EXPECT_EQ(DecodeRecord(bytes, 0x2222, &out, &size), RecordStatus::kBadChecksum);
}

TEST(RecordFormatTest, EveryTruncationIsReportedTruncated) {
  std::string bytes;
  EncodeRecord(Entry{1, 0, 1, 1, "some payload"}, 9, &bytes);
  Entry out;
  size_t size = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(DecodeRecord(std::string_view(bytes).substr(0, n), 9, &out, &size),
              RecordStatus::kTruncated)
        << n;
  }
}

TEST(RecordFormatTest, EveryFlippedByteIsDetected) {
  std::string bytes;
  EncodeRecord(Entry{5, 123, 3, 1, "payload bytes"}, 77, &bytes);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string damaged = bytes;
    damaged[i] ^= 0x20;
    Entry out;
    size_t size = 0;
    EXPECT_NE(DecodeRecord(damaged, 77, &out, &size), RecordStatus::kOk) << i;
  }
}

TEST(RecordFormatTest, SegmentHeaderRoundTripsAndRejectsDamage) {
  const SegmentHeader h{101, 0xdeadbeef, 5};
  const std::string bytes = EncodeSegmentHeader(h);
  ASSERT_EQ(bytes.size(), kSegmentHeaderSize);
  std::string reason;
  auto decoded = DecodeSegmentHeader(bytes, &reason);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->first_lsn, 101u);
  EXPECT_EQ(decoded->salt, 0xdeadbeefu);
  std::string damaged = bytes;
  damaged[20] ^= 1;
  EXPECT_FALSE(DecodeSegmentHeader(damaged, &reason));
  EXPECT_EQ(reason, "segment header checksum mismatch");
  EXPECT_FALSE(DecodeSegmentHeader("CLAIMWAX" + bytes.substr(8), &reason));
  EXPECT_EQ(reason, "not a WAL segment (bad magic)");
}

TEST(RecordFormatTest, SegmentNamesSortInLsnOrder) {
  EXPECT_EQ(SegmentFileName(1), "wal-00000000000000000001.log");
  EXPECT_EQ(ParseSegmentFileName(SegmentFileName(18446744073709551615ull)),
            18446744073709551615ull);
  EXPECT_LT(SegmentFileName(9), SegmentFileName(10));
  EXPECT_FALSE(ParseSegmentFileName("wal-00000000000000000001.log.torn-64"));
  EXPECT_FALSE(ParseSegmentFileName("LOCK"));
}

}  // namespace
}  // namespace wal
