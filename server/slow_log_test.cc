#include "server/slow_log.h"

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace heapd::server {
namespace {

SlowLogRecord Request(std::string method, int64_t wait_ns, int64_t hold_ns) {
  SlowLogRecord record;
  record.method = std::move(method);
  record.wait_ns = wait_ns;
  record.hold_ns = hold_ns;
  return record;
}

TEST(SlowLogTest, KeepsOnlyRequestsOverTheThreshold) {
  SlowLog log(8, absl::Microseconds(10));
  EXPECT_FALSE(log.MaybeRecord(Request("Ping", 10000, 10000)));
  EXPECT_TRUE(log.MaybeRecord(Request("Collect", 0, 10001)));
  EXPECT_TRUE(log.MaybeRecord(Request("Allocate", 20000, 5)));
  std::vector<SlowLogRecord> entries = log.Entries();
  ASSERT_EQ(entries.size(), 2u);
  // Most recent first, ids in the order kept.
  EXPECT_EQ(entries[0].method, "Allocate");
  EXPECT_EQ(entries[0].id, 2u);
  EXPECT_EQ(entries[1].method, "Collect");
  EXPECT_EQ(entries[1].id, 1u);
  EXPECT_EQ(entries[1].hold_ns, 10001);
}

TEST(SlowLogTest, ZeroThresholdKeepsEveryTimedRequest) {
  SlowLog log(8, absl::ZeroDuration());
  EXPECT_TRUE(log.MaybeRecord(Request("Ping", 0, 1)));
  EXPECT_FALSE(log.MaybeRecord(Request("Ping", 0, 0)));
}

TEST(SlowLogTest, DropsTheOldestBeyondItsCapacity) {
  SlowLog log(3, absl::ZeroDuration());
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(log.MaybeRecord(Request("M" + std::to_string(i), 1, 1)));
  }
  std::vector<SlowLogRecord> entries = log.Entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].method, "M5");
  EXPECT_EQ(entries[2].method, "M3");
  EXPECT_EQ(entries[2].id, 3u);
}

}  // namespace
}  // namespace heapd::server
