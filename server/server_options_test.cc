#include "server/server_options.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heap/obmalloc/layout.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;

TEST(ListenHostTest, SplitsHostAndPort) {
  EXPECT_EQ(ListenHost("127.0.0.1:50051").value(), "127.0.0.1");
  EXPECT_EQ(ListenHost("0.0.0.0:0").value(), "0.0.0.0");
  EXPECT_EQ(ListenHost("[::1]:0").value(), "[::1]");
  EXPECT_EQ(ListenHost("localhost:65535").value(), "localhost");
}

TEST(ListenHostTest, RejectsMalformedAddresses) {
  for (absl::string_view bad :
       {"", "50051", ":50051", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http",
        "127.0.0.1:65536", "127.0.0.1:-1"}) {
    SCOPED_TRACE(bad);
    absl::StatusOr<std::string> host = ListenHost(bad);
    ASSERT_FALSE(host.ok());
    EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(host.status().message(), HasSubstr("--listen"));
  }
}

TEST(LayoutFromFlagsTest, PresetsByDefault) {
  absl::StatusOr<obmalloc::AllocatorLayout> classic =
      LayoutFromFlags("classic", 0, 0, "keep_one");
  ASSERT_TRUE(classic.ok()) << classic.status();
  EXPECT_EQ(classic->ToString(),
            obmalloc::AllocatorLayout::Classic().ToString());

  absl::StatusOr<obmalloc::AllocatorLayout> modern =
      LayoutFromFlags("cpython312", 0, 0, "keep_one");
  ASSERT_TRUE(modern.ok()) << modern.status();
  EXPECT_EQ(modern->ToString(),
            obmalloc::AllocatorLayout::Cpython312().ToString());
}

TEST(LayoutFromFlagsTest, EagerReleaseKeepsThePresetsName) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      LayoutFromFlags("classic", 0, 0, "eager");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->preset(), "classic");
  EXPECT_EQ(layout->release(), obmalloc::ArenaRelease::kEager);
}

TEST(LayoutFromFlagsTest, OneSizeOverridesThePresetsOther) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      LayoutFromFlags("cpython312", 0, 8192, "keep_one");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->arena_size(), 1024u * 1024u);
  EXPECT_EQ(layout->pool_size(), 8192u);
  EXPECT_EQ(layout->preset(), "custom");

  layout = LayoutFromFlags("classic", 1024 * 1024, 0, "keep_one");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->arena_size(), 1024u * 1024u);
  EXPECT_EQ(layout->pool_size(), 4096u);
}

TEST(LayoutFromFlagsTest, SizesMatchingAPresetTakeItsName) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      LayoutFromFlags("classic", 1024 * 1024, 16 * 1024, "keep_one");
  ASSERT_TRUE(layout.ok()) << layout.status();
  EXPECT_EQ(layout->preset(), "cpython312");
}

TEST(LayoutFromFlagsTest, InvalidSizesCarryCreatesMessage) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      LayoutFromFlags("classic", 0, 3000, "keep_one");
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(layout.status().message(), HasSubstr("--pool_size=3000"));
  EXPECT_THAT(layout.status().message(),
              HasSubstr("pool size 3000 is not a power of two"));

  layout = LayoutFromFlags("classic", 8192, 4096, "keep_one");
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("at least 4 pools"));
}

TEST(LayoutFromFlagsTest, UnknownNamesAreRejected) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      LayoutFromFlags("cpython313", 0, 0, "keep_one");
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("--layout"));
  EXPECT_THAT(layout.status().message(), HasSubstr("cpython313"));

  layout = LayoutFromFlags("classic", 0, 0, "lazy");
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("--arena_release"));
  EXPECT_THAT(layout.status().message(), HasSubstr("lazy"));
}

TEST(LockOptionsFromFlagsTest, PoliciesAndInterval) {
  absl::StatusOr<gil::InterpreterLockOptions> options =
      LockOptionsFromFlags("fifo", 7);
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->policy, gil::LockPolicy::kFifo);
  EXPECT_EQ(options->switch_interval, absl::Milliseconds(7));
  EXPECT_TRUE(LockOptionsFromFlags("cpython", 5).ok());
  EXPECT_TRUE(LockOptionsFromFlags("barging", 1).ok());

  options = LockOptionsFromFlags("gil", 5);
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--lock_policy=gil"));
  options = LockOptionsFromFlags("cpython", 0);
  ASSERT_FALSE(options.ok());
  EXPECT_THAT(options.status().message(), HasSubstr("--switch_interval_ms"));
}

TEST(GcConfigFromFlagsTest, ThresholdsMustNotBeNegative) {
  absl::StatusOr<objects::GcConfig> config = GcConfigFromFlags(700, 10, 10);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->thresholds[0], 700);
  EXPECT_TRUE(GcConfigFromFlags(0, 10, 10).ok());
  config = GcConfigFromFlags(700, -1, 10);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("--gc_threshold1=-1"));
}

TEST(ValidateServiceLimitsTest, LimitsMustBePositive) {
  EXPECT_TRUE(ValidateServiceLimits(600000, 100000, 10000).ok());
  EXPECT_THAT(ValidateServiceLimits(0, 1, 1).message(),
              HasSubstr("--max_session_ttl_ms"));
  EXPECT_THAT(ValidateServiceLimits(1, 0, 1).message(),
              HasSubstr("--max_allocate_count"));
  EXPECT_THAT(ValidateServiceLimits(1, 1, 0).message(),
              HasSubstr("--max_batch=0"));
}

TEST(IsLoopbackHostTest, OnlyThisMachine) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("[::1]"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("[::]"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.5"));
  EXPECT_FALSE(IsLoopbackHost("example.com"));
}

TEST(ValidateResourceLimitsTest, ZeroMeansNoCapAndTheHeapHoldsAnArena) {
  const obmalloc::AllocatorLayout classic =
      obmalloc::AllocatorLayout::Classic();
  EXPECT_TRUE(ValidateResourceLimits(classic, 0, 0, 0, 4 << 20).ok());
  EXPECT_TRUE(ValidateResourceLimits(classic, 256 * 1024, 1, 1, 1024).ok());
  EXPECT_THAT(ValidateResourceLimits(classic, 1000, 0, 0, 4 << 20).message(),
              HasSubstr("at least one arena (262144 bytes"));
  EXPECT_THAT(ValidateResourceLimits(classic, -1, 0, 0, 4 << 20).message(),
              HasSubstr("--max_heap_bytes=-1"));
  EXPECT_THAT(ValidateResourceLimits(classic, 0, -1, 0, 4 << 20).message(),
              HasSubstr("--max_objects=-1"));
  EXPECT_THAT(ValidateResourceLimits(classic, 0, 0, -5, 4 << 20).message(),
              HasSubstr("--max_lock_waiters=-5"));
  EXPECT_THAT(ValidateResourceLimits(classic, 0, 0, 0, 10).message(),
              HasSubstr("--max_message_bytes=10"));
  EXPECT_THAT(
      ValidateResourceLimits(classic, 0, 0, 0, int64_t{1} << 40).message(),
      HasSubstr("--max_message_bytes"));
}

TEST(SlowlogThresholdFromFlagTest, MustNotBeNegative) {
  absl::StatusOr<absl::Duration> threshold = SlowlogThresholdFromFlag(10000);
  ASSERT_TRUE(threshold.ok());
  EXPECT_EQ(*threshold, absl::Milliseconds(10));
  EXPECT_TRUE(SlowlogThresholdFromFlag(0).ok());
  threshold = SlowlogThresholdFromFlag(-1);
  ASSERT_FALSE(threshold.ok());
  EXPECT_THAT(threshold.status().message(),
              HasSubstr("--slowlog_threshold_us=-1"));
}

TEST(StatsPublishIntervalFromFlagTest, MustNotBeNegative) {
  EXPECT_EQ(*StatsPublishIntervalFromFlag(50), absl::Milliseconds(50));
  EXPECT_TRUE(StatsPublishIntervalFromFlag(0).ok());
  EXPECT_THAT(StatsPublishIntervalFromFlag(-1).status().message(),
              HasSubstr("--stats_publish_interval_ms=-1"));
}

}  // namespace
}  // namespace heapd::server
