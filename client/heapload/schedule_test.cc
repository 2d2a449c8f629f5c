#include "client/heapload/schedule.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;

TEST(ScheduleTest, StepsRiseEveryPeriodUpToTheEnd) {
  absl::StatusOr<Schedule> s =
      ParseSchedule("schedule", "step:start=8,end=30,step=8,every=5s", true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->stages(), 4);  // 8, 16, 24, 30
  EXPECT_EQ(s->length(), absl::Seconds(20));
  EXPECT_EQ(s->LevelAt(absl::Seconds(-1)), 8);
  EXPECT_EQ(s->LevelAt(absl::Seconds(0)), 8);
  EXPECT_EQ(s->LevelAt(absl::Seconds(5)), 16);
  EXPECT_EQ(s->LevelAt(absl::Seconds(12)), 24);
  EXPECT_EQ(s->StageAt(absl::Seconds(12)), 2);
  EXPECT_EQ(s->LevelAt(absl::Seconds(17)), 30);
  EXPECT_EQ(s->LevelAt(absl::Seconds(100)), 30);
  EXPECT_EQ(s->StageAt(absl::Seconds(100)), 3);
}

TEST(ScheduleTest, StepsMayGoDown) {
  absl::StatusOr<Schedule> s = ParseSchedule(
      "rate_schedule", "step:start=300,end=100,step=100,every=1", false);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->stages(), 3);
  EXPECT_EQ(s->LevelAt(absl::Milliseconds(500)), 300);
  EXPECT_EQ(s->LevelAt(absl::Milliseconds(1500)), 200);
  EXPECT_EQ(s->LevelAt(absl::Seconds(9)), 100);
}

TEST(ScheduleTest, LineRampsThenHolds) {
  absl::StatusOr<Schedule> s =
      ParseSchedule("rate_schedule", "line:start=100,end=200,over=10s", false);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->stages(), 1);
  EXPECT_EQ(s->length(), absl::Seconds(10));
  EXPECT_DOUBLE_EQ(s->LevelAt(absl::Seconds(5)), 150);
  EXPECT_DOUBLE_EQ(s->LevelAt(absl::Seconds(20)), 200);
  EXPECT_EQ(s->StageAt(absl::Seconds(5)), 0);
}

TEST(ScheduleTest, WholeLevelsRoundDown) {
  absl::StatusOr<Schedule> s =
      ParseSchedule("schedule", "line:start=1,end=4,over=3s", true);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->LevelAt(absl::Milliseconds(1500)), 2);
}

void ExpectError(const std::string& text, bool integer,
                 const std::string& part) {
  absl::StatusOr<Schedule> s = ParseSchedule("schedule", text, integer);
  ASSERT_FALSE(s.ok()) << text;
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr(part));
  // Every message shows the syntax.
  EXPECT_THAT(s.status().message(), HasSubstr("step:start=A,end=B,step=S"));
}

TEST(ScheduleTest, MistakesAreExplained) {
  ExpectError("ramp:start=1,end=2", true, "'ramp' is not step or line");
  ExpectError("step:start=1,end=8,every=1s", true, "step= is missing");
  ExpectError("step:start=1,end=8,step=1,every=1s,over=2s", true,
              "'over' is not one of start, end, step, every");
  ExpectError("step:start=1,end=8,step=0,every=1s", true,
              "step=0: calls in flight are whole numbers >= 1");
  ExpectError("step:start=1.5,end=8,step=1,every=1s", true, "whole numbers");
  ExpectError("line:start=0,end=8,over=1s", false, "start=0: rates are > 0");
  ExpectError("line:start=x,end=8,over=1s", false, "start=x is not a number");
  ExpectError("line:start=1,end=8,over=soon", false,
              "over=soon is not a duration");
  ExpectError("line:start=1,end=8,over=0s", false, "over=0s must be > 0");
  ExpectError("line:start=1,start=2,end=8,over=1s", false, "start given twice");
}

}  // namespace
}  // namespace heapd::heapload
