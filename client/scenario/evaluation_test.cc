#include "client/scenario/evaluation.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/scenario/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.pb.h"

namespace heapd::scenario {
namespace {

using ::testing::HasSubstr;

// The expression of `expect EXPR` in a one-line scenario.
Expr Parse(const std::string& text) {
  absl::StatusOr<Scenario> scenario =
      ParseScenario("expect " + text, "eval.heap");
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  if (!scenario.ok()) return Expr();
  return *scenario->statements[0].lhs;
}

class EvaluationTest : public ::testing::Test {
 protected:
  absl::StatusOr<int64_t> Value(const std::string& text) {
    return Evaluate(Parse(text), locals_, reads_, last_collect_);
  }

  Locals locals_;
  StatementReads reads_;
  std::optional<v1::CollectResponse> last_collect_;
};

TEST_F(EvaluationTest, NumbersNamesAndArithmetic) {
  locals_.names["n"] = Binding{.value = 5};
  EXPECT_EQ(*Value("n + 2 - (1 - 3)"), 9);
  EXPECT_EQ(*Value("-n"), -5);
  EXPECT_EQ(*Value("not n"), 0);
  EXPECT_EQ(*Value("not 0"), 1);
}

TEST_F(EvaluationTest, OverflowIsOutOfRange) {
  locals_.names["big"] = Binding{.value = INT64_MAX};
  const absl::StatusOr<int64_t> sum = Value("big + 1");
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(sum.status().message()),
              HasSubstr("'big + 1' overflows 64 bits"));
}

TEST_F(EvaluationTest, ObjectsAreReadThroughTheStatementsInspect) {
  locals_.names["a"] = Binding{.is_object = true, .handle = 7};
  v1::ObjectInfo info;
  info.set_refcount(2);
  reads_.objects.emplace(7, info);
  EXPECT_EQ(*Value("refcount(a)"), 2);
  EXPECT_EQ(*Value("alive(a)"), 1);
  EXPECT_EQ(Value("a").status().code(), absl::StatusCode::kInvalidArgument);

  // Deleted, `a` still reads its last object; freed, it reads as freed.
  locals_.ghosts["a"] = locals_.names["a"];
  locals_.names.erase("a");
  reads_.objects.erase(7);
  reads_.objects.emplace(7, absl::NotFoundError("no object #7"));
  EXPECT_EQ(*Value("freed(a)"), 1);
  EXPECT_EQ(*Value("refcount(a)"), 0);
}

TEST_F(EvaluationTest, UnboundNamesSayWhy) {
  locals_.ghosts["gone"] = Binding{.is_object = true, .handle = 1};
  EXPECT_THAT(std::string(locals_.ObjectOf("gone").status().message()),
              HasSubstr("'gone' was deleted"));
  EXPECT_THAT(std::string(Value("nowhere").status().message()),
              HasSubstr("'nowhere' is not defined"));
  EXPECT_THAT(std::string(Value("collected").status().message()),
              HasSubstr("none ran yet"));
}

TEST_F(EvaluationTest, ValuesReadAsTheScenarioWritesThem) {
  EXPECT_EQ(ValueText(Parse("alive(a)"), 1), "true");
  EXPECT_EQ(ValueText(Parse("not 1"), 0), "false");
  EXPECT_EQ(ValueText(Parse("refcount(a)"), 3), "3");
  EXPECT_TRUE(Compare(1, CompareOp::kLessEqual, 1));
  EXPECT_FALSE(Compare(2, CompareOp::kLess, 1));
}

}  // namespace
}  // namespace heapd::scenario
