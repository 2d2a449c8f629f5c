#include "heap/replay/trace_format.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::replay {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// The bytes of a trace with one record of each kind.
std::string SampleTrace() {
  File file(std::tmpfile());
  TraceWriter writer(file.get(), {1 << 20, 1 << 14});
  EXPECT_EQ(writer.Malloc(Domain::kObj, 40), 1u);
  writer.ArenaAlloc(0x7f0000003000, 1 << 20);
  EXPECT_EQ(writer.Calloc(Domain::kMem, 3, 8), 2u);
  EXPECT_EQ(writer.Realloc(Domain::kMem, 2, 600, true), 2u);
  EXPECT_EQ(writer.Realloc(Domain::kObj, 0, 10, false), 3u);
  writer.Checkpoint("stats text");
  writer.Free(Domain::kObj, 1);
  writer.ArenaFree(0x7f0000003000, 1 << 20);
  EXPECT_EQ(writer.calls(), 5u);
  EXPECT_TRUE(writer.Finish().ok());
  std::string bytes(std::ftell(file.get()), '\0');
  std::rewind(file.get());
  EXPECT_EQ(std::fread(bytes.data(), 1, bytes.size(), file.get()),
            bytes.size());
  return bytes;
}

File FileOf(const std::string& bytes) {
  File file(std::tmpfile());
  std::fwrite(bytes.data(), 1, bytes.size(), file.get());
  std::rewind(file.get());
  return file;
}

// Every record of `bytes`, or the first error.
absl::StatusOr<std::vector<TraceRecord>> ReadAll(const std::string& bytes) {
  File file = FileOf(bytes);
  absl::StatusOr<TraceReader> reader = TraceReader::Open(file.get());
  if (!reader.ok()) return reader.status();
  std::vector<TraceRecord> records;
  while (true) {
    TraceRecord record;
    absl::StatusOr<bool> more = reader->Next(record);
    if (!more.ok()) return more.status();
    if (!*more) return records;
    records.push_back(record);
  }
}

TEST(TraceFormatTest, RoundTrip) {
  File file = FileOf(SampleTrace());
  absl::StatusOr<TraceReader> reader = TraceReader::Open(file.get());
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->header().arena_size, 1u << 20);
  EXPECT_EQ(reader->header().pool_size, 1u << 14);
  absl::StatusOr<std::vector<TraceRecord>> records = ReadAll(SampleTrace());
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 8u);
  const std::vector<TraceRecord>& r = *records;
  EXPECT_EQ(r[0].op, TraceOp::kMalloc);
  EXPECT_EQ(r[0].domain, Domain::kObj);
  EXPECT_EQ(r[0].size, 40u);
  EXPECT_EQ(r[0].id, 1u);
  EXPECT_EQ(r[1].op, TraceOp::kArenaAlloc);
  EXPECT_EQ(r[1].address, 0x7f0000003000u);
  EXPECT_EQ(r[1].arena_bytes, 1u << 20);
  EXPECT_EQ(r[2].op, TraceOp::kCalloc);
  EXPECT_EQ(r[2].domain, Domain::kMem);
  EXPECT_EQ(r[2].size, 3u);
  EXPECT_EQ(r[2].elsize, 8u);
  EXPECT_EQ(r[2].id, 2u);
  EXPECT_EQ(r[3].op, TraceOp::kRealloc);
  EXPECT_EQ(r[3].id, 2u);
  EXPECT_EQ(r[3].size, 600u);
  EXPECT_TRUE(r[3].moved);
  EXPECT_EQ(r[4].op, TraceOp::kRealloc);
  EXPECT_EQ(r[4].id, 3u) << "realloc of null creates a block";
  EXPECT_TRUE(r[4].from_null);
  EXPECT_FALSE(r[3].from_null);
  EXPECT_FALSE(r[4].moved);
  EXPECT_EQ(r[5].op, TraceOp::kCheckpoint);
  EXPECT_EQ(r[5].calls, 4u);
  EXPECT_EQ(r[5].text, "stats text");
  EXPECT_EQ(r[6].op, TraceOp::kFree);
  EXPECT_EQ(r[6].id, 1u);
  EXPECT_EQ(r[7].op, TraceOp::kArenaFree);
  EXPECT_EQ(r[7].arena_bytes, 1u << 20);
}

TEST(TraceFormatTest, EveryTruncationIsDataLoss) {
  const std::string bytes = SampleTrace();
  for (size_t n = 0; n < bytes.size(); ++n) {
    absl::StatusOr<std::vector<TraceRecord>> records =
        ReadAll(bytes.substr(0, n));
    ASSERT_FALSE(records.ok()) << "cut at " << n;
    EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss)
        << records.status();
  }
}

TEST(TraceFormatTest, NotATrace) {
  absl::StatusOr<std::vector<TraceRecord>> records =
      ReadAll("#!/bin/sh\necho hello\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(records.status().message().find("magic"), std::string::npos);
}

TEST(TraceFormatTest, OtherVersionIsUnimplemented) {
  std::string bytes = SampleTrace();
  bytes[sizeof kTraceMagic] = 2;
  EXPECT_EQ(ReadAll(bytes).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(TraceFormatTest, UnknownRecordIsCorrupt) {
  std::string bytes = SampleTrace();
  // The first record's tag follows the 8-byte magic, the version and the
  // two sizes (3 bytes each as varints).
  const size_t first_tag = sizeof kTraceMagic + 1 + 3 + 3;
  ASSERT_EQ(static_cast<uint8_t>(bytes[first_tag]), 0x81);
  bytes[first_tag] = 0x2a;
  absl::Status status = ReadAll(bytes).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("unknown record type 42"), std::string::npos)
      << status;
}

TEST(TraceFormatTest, FreeOfABlockNeverCreatedIsCorrupt) {
  File file(std::tmpfile());
  TraceWriter writer(file.get(), {1 << 18, 1 << 12});
  writer.Malloc(Domain::kMem, 8);
  writer.Free(Domain::kMem, 7);
  ASSERT_TRUE(writer.Finish().ok());
  std::string bytes(std::ftell(file.get()), '\0');
  std::rewind(file.get());
  ASSERT_EQ(std::fread(bytes.data(), 1, bytes.size(), file.get()),
            bytes.size());
  absl::Status status = ReadAll(bytes).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("block id 7 was never created"),
            std::string::npos)
      << status;
}

}  // namespace
}  // namespace heapd::replay
