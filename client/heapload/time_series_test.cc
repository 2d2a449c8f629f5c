#include "client/heapload/time_series.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TimeSample Sample() {
  TimeSample s;
  s.t_s = 3;
  s.interval_s = 1;
  s.completed = 1200;
  s.failed = 2;
  s.requests_per_s = 1200;
  s.p50_ns = 1000;
  s.p99_ns = 5000;
  s.total_succeeded = 2500;
  s.total_failed = 7;
  s.total_requests_per_s = 1250;
  s.total_p99_ns = 9000;
  s.in_flight = 4;
  s.client_cpu_cores = 0.5;
  s.has_warmup = true;
  return s;
}

// The last second and the run so far never share a line.
TEST(ProgressLinesTest, WindowAndSinceStartAreSeparateLines) {
  const std::string text = ProgressLines(Sample());
  std::vector<std::string> lines =
      absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("last 1.0s: 1200 req/s"));
  EXPECT_THAT(lines[0], HasSubstr("p99 5 us"));
  EXPECT_THAT(lines[0], HasSubstr("errors 2"));
  EXPECT_THAT(lines[0], Not(HasSubstr("since")));
  EXPECT_THAT(lines[0], Not(HasSubstr("in flight")));
  EXPECT_THAT(lines[1], HasSubstr("since warm-up end: 2500 ok, 1250 req/s"));
  EXPECT_THAT(lines[1], HasSubstr("p99 9 us"));
  EXPECT_THAT(lines[1], HasSubstr("errors 7"));
  EXPECT_THAT(lines[1], Not(HasSubstr("last")));
  TimeSample cold = Sample();
  cold.has_warmup = false;
  EXPECT_THAT(ProgressLines(cold), HasSubstr("since start: 2500 ok"));
}

TEST(ProgressLinesTest, StageAndLockAreShown) {
  TimeSample s = Sample();
  s.stages = 4;
  s.stage = 1;
  s.target_concurrency = 16;
  s.lock_available = true;
  s.lock_held_share = 0.42;
  const std::string text = ProgressLines(s);
  EXPECT_THAT(text, HasSubstr("step 2/4 concurrency 16"));
  EXPECT_THAT(text, HasSubstr("lock held 42%"));
  EXPECT_EQ(StageLabel(s), "step 2/4");
}

TEST(LockFiguresTest, TheSecondsDifference) {
  v1::StatsResponse before, after;
  before.set_timestamp_unix_ns(1'000'000'000);
  after.set_timestamp_unix_ns(2'000'000'000);
  before.mutable_lock()->set_held_ns_total(100'000'000);
  after.mutable_lock()->set_held_ns_total(350'000'000);
  before.mutable_lock()->set_acquisitions(10);
  after.mutable_lock()->set_acquisitions(110);
  after.mutable_lock()->set_contended(20);
  after.mutable_lock()->mutable_wait()->set_count(100);
  after.mutable_lock()->mutable_wait()->set_sum_ns(5000);
  after.mutable_lock()->set_waiters_current(3);
  TimeSample s;
  SetLockFigures(nullptr, after, &s);
  EXPECT_FALSE(s.lock_available);
  SetLockFigures(&before, after, &s);
  EXPECT_TRUE(s.lock_available);
  EXPECT_DOUBLE_EQ(s.lock_held_share, 0.25);
  EXPECT_EQ(s.lock_acquisitions, 100);
  EXPECT_DOUBLE_EQ(s.lock_contended_share, 0.2);
  EXPECT_DOUBLE_EQ(s.lock_wait_mean_ns, 50);
  EXPECT_EQ(s.lock_waiters, 3);
}

}  // namespace
}  // namespace heapd::heapload
