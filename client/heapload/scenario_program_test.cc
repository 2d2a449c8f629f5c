// What heapload refuses to run, and the slots' shared tally. The program
// itself runs against a real heapd in tests/heapload_test.cc.
#include "client/heapload/scenario_program.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/scenario/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

absl::Status Check(const std::string& text) {
  absl::StatusOr<scenario::Scenario> parsed =
      scenario::ParseScenario(text, "s.heap");
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  if (!parsed.ok()) return parsed.status();
  return CheckScenarioForLoad(*parsed);
}

TEST(CheckScenarioForLoadTest, APassMustBeginWithAnRpc) {
  EXPECT_TRUE(Check("a = object\ndel a\n").ok());
  EXPECT_TRUE(Check("collect\n").ok());
  EXPECT_TRUE(Check("gc.disable\n").ok());
  EXPECT_TRUE(Check("n = stats.objects.objects\n").ok());
  EXPECT_TRUE(Check("expect stats.garbage == 0\n").ok());
  // Statements that can neither fail nor send are skipped over.
  EXPECT_TRUE(Check("# c\nprint \"start\"\nx = 1\nrepeat 0 {\n  del q\n}\n"
                    "repeat 2 {\n  a = object\n}\n")
                  .ok());
  const absl::Status unbound = Check("x = 1\ndel a\n");
  EXPECT_EQ(unbound.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unbound.message(), HasSubstr("s.heap:2: heapload starts each "
                                           "pass"));
  EXPECT_THAT(unbound.message(), HasSubstr("not `del a`"));
  EXPECT_FALSE(Check("expect refcount(a) == 1\n").ok());
  EXPECT_FALSE(Check("h = object finalizer resurrect into h.f\n").ok());
  EXPECT_FALSE(Check("repeat 3 {\n  x.f = y\n}\n").ok());
  EXPECT_THAT(Check("x = 1\n").message(), HasSubstr("s.heap: the scenario "
                                                    "sends no RPC"));
  EXPECT_FALSE(Check("").ok());
}

TEST(ScenarioTallyTest, CountsEverythingAndKeepsTheFirstMessages) {
  ScenarioTally tally;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tally, t] {
      for (int i = 0; i < 10; ++i) {
        tally.IterationCompleted();
        tally.ExpectationPassed();
        tally.ExpectationFailed(absl::StrCat("failure ", t, ".", i));
      }
      tally.IterationAbandoned(absl::StrCat("error ", t));
    });
  }
  for (std::thread& thread : threads) thread.join();
  const ScenarioSummary summary = tally.Summary("f.heap");
  EXPECT_EQ(summary.file, "f.heap");
  EXPECT_EQ(summary.iterations_completed, 40);
  EXPECT_EQ(summary.iterations_abandoned, 4);
  EXPECT_EQ(summary.expectations_passed, 40);
  EXPECT_EQ(summary.expectations_failed, 40);
  EXPECT_EQ(summary.first_failures.size(), kScenarioMessagesKept);
  EXPECT_EQ(summary.first_errors.size(), 4u);
}

TEST(ScenarioTallyTest, EmptyAtFirst) {
  const ScenarioSummary summary = ScenarioTally().Summary("f.heap");
  EXPECT_EQ(summary.iterations_completed, 0);
  EXPECT_THAT(summary.first_failures, ElementsAre());
}

}  // namespace
}  // namespace heapd::heapload
