// The interpreter without a server: a scripted heap answers its requests,
// and the tests check which requests it makes, in what order, and what it
// tells its listener.
#include "client/scenario/interpreter.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/scenario/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Records every event as a line.
class Recorder final : public Listener {
 public:
  void RepeatStarted(const Statement& repeat, int depth) override {
    events.push_back(absl::StrCat("repeat ", repeat.line, " depth ", depth));
  }
  void RepeatFinished(const Statement& repeat, int depth,
                      int64_t statements) override {
    events.push_back(absl::StrCat("end repeat ", repeat.line, " depth ", depth,
                                  ": ", statements));
  }
  void StatementDone(const Statement& statement, int depth,
                     const std::string& text) override {
    events.push_back(absl::StrCat(statement.line, ": ", text));
  }
  void ExpectationPassed(const Statement& expect) override { ++passed; }
  void ExpectationFailed(const std::string& message) override {
    events.push_back(absl::StrCat("FAILED ", message));
  }
  void Stopped(const absl::Status& error) override {
    events.push_back(absl::StrCat("STOPPED ", error.message()));
  }

  std::vector<std::string> events;
  int passed = 0;
};

// A scripted heap: allocates handles 1, 2, ... and answers every request
// plausibly; a test overrides `answer` for the requests it cares about.
struct ScriptedHeap {
  uint64_t next_handle = 1;
  std::function<std::optional<HeapReply>(const HeapRequest&)> answer;

  HeapReply Reply(const HeapRequest& request) {
    if (answer) {
      if (std::optional<HeapReply> reply = answer(request)) return *reply;
    }
    switch (request.index()) {
      case 0: {
        v1::AllocateResponse r;
        r.add_objects()->set_handle(next_handle++);
        return HeapResponse(r);
      }
      case 1: {
        v1::IncRefResponse r;
        r.set_refcount(2);
        return HeapResponse(r);
      }
      case 2:
        return HeapResponse(v1::DecRefResponse());
      case 3: {
        v1::LinkResponse r;
        r.set_target_refcount(2);
        return HeapResponse(r);
      }
      case 4:
        return HeapResponse(v1::UnlinkResponse());
      case 5: {
        v1::InspectResponse r;
        r.mutable_object()->set_refcount(1);
        return HeapResponse(r);
      }
      case 6:
        return HeapResponse(v1::CollectResponse());
      case 7:
        return HeapResponse(v1::GcConfig());
      case 8:
        return HeapResponse(v1::FreezeResponse());
      case 9:
        return HeapResponse(v1::UnfreezeResponse());
      default:
        return HeapResponse(v1::StatsResponse());
    }
  }
};

// The handle a request names (0 if none).
uint64_t HandleOf(const HeapRequest& request) {
  if (auto* r = std::get_if<v1::DecRefRequest>(&request)) return r->handle();
  if (auto* r = std::get_if<v1::InspectRequest>(&request)) return r->handle();
  if (auto* r = std::get_if<v1::IncRefRequest>(&request)) return r->handle();
  return 0;
}

// Runs the interpreter until Next returns nullopt; returns the requests as
// "Rpc" or "Rpc #handle".
std::vector<std::string> Drive(Interpreter& interpreter, Listener& listener,
                               ScriptedHeap& heap) {
  std::vector<std::string> calls;
  while (std::optional<HeapRequest> request = interpreter.Next(listener)) {
    NameSession("s1", &*request);
    const uint64_t handle = HandleOf(*request);
    calls.push_back(handle == 0
                        ? std::string(RpcName(*request))
                        : absl::StrCat(RpcName(*request), " #", handle));
    interpreter.OnReply(heap.Reply(*request));
  }
  return calls;
}

Scenario Parse(const std::string& text) {
  absl::StatusOr<Scenario> scenario = ParseScenario(text, "t.heap");
  EXPECT_TRUE(scenario.ok()) << scenario.status();
  return scenario.ok() ? *scenario : Scenario();
}

TEST(InterpreterTest, OneRequestPerStepInOrder) {
  const Scenario scenario = Parse(
      "a = object\n"
      "b = object\n"
      "a.ref = b\n"
      "expect refcount(b) == 1\n"
      "del a, b\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "Allocate", "Link", "Inspect #2",
                          "DecRef #1", "DecRef #2"));
  EXPECT_THAT(listener.events,
              ElementsAre(HasSubstr("1: object #1"), HasSubstr("2: object #2"),
                          "3: b refcount 2", "4: ok (refcount(b) is 1)",
                          "5: a freed; b freed"));
  EXPECT_EQ(listener.passed, 1);
  EXPECT_EQ(interpreter.result().statements, 5);
  EXPECT_TRUE(interpreter.result().error.ok());
}

TEST(InterpreterTest, RequestsNameTheDriversSession) {
  const Scenario scenario = Parse("a = object\nexpect stats.objects.objects\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  std::optional<HeapRequest> allocate = interpreter.Next(listener);
  ASSERT_TRUE(allocate.has_value());
  NameSession("s1", &*allocate);
  EXPECT_EQ(std::get<v1::AllocateRequest>(*allocate).session_id(), "s1");
  EXPECT_EQ(std::get<v1::AllocateRequest>(*allocate).type(), v1::OBJECT);
  interpreter.OnReply(ScriptedHeap().Reply(*allocate));
  std::optional<HeapRequest> stats = interpreter.Next(listener);
  ASSERT_TRUE(stats.has_value());
  EXPECT_TRUE(std::get<v1::StatsRequest>(*stats).fresh());
  NameSession("s1", &*stats);  // Stats names no session: nothing to set
}

TEST(InterpreterTest, StatementsWithoutRpcsNeedNoRequest) {
  const Scenario scenario = Parse(
      "x = 1 + 2\n"
      "expect x == 3\n"
      "print \"x is\", x\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  EXPECT_THAT(Drive(interpreter, listener, heap), IsEmpty());
  EXPECT_THAT(listener.events,
              ElementsAre("1: 3", "2: ok (x is 3)", "3: x is 3"));
}

TEST(InterpreterTest, OneReadServesEveryMentionInAStatement) {
  const Scenario scenario = Parse(
      "a = object\n"
      "expect refcount(a) + stats.objects.objects == refcount(a) + "
      "stats.objects.objects\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "Inspect #1", "Stats"));
  EXPECT_EQ(listener.passed, 1);
}

TEST(InterpreterTest, NotFoundReadsAsFreed) {
  const Scenario scenario = Parse(
      "a = object\n"
      "del a\n"
      "expect freed(a)\n"
      "expect refcount(a) == 0\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  heap.answer = [](const HeapRequest& r) -> std::optional<HeapReply> {
    if (std::holds_alternative<v1::InspectRequest>(r)) {
      return absl::NotFoundError("no such object");
    }
    return std::nullopt;
  };
  Drive(interpreter, listener, heap);
  EXPECT_EQ(listener.passed, 2);
  EXPECT_TRUE(interpreter.result().failures.empty());
}

TEST(InterpreterTest, AFailedExpectationIsCountedAndThePassGoesOn) {
  const Scenario scenario = Parse(
      "a = object\n"
      "expect refcount(a) == 3\n"
      "b = object\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "Inspect #1", "Allocate"));
  EXPECT_THAT(listener.events,
              ElementsAre(HasSubstr("1: "), "2: FAILED: refcount(a) is 1",
                          "FAILED t.heap:2: expect refcount(a) == 3 failed: "
                          "refcount(a) is 1",
                          HasSubstr("3: ")));
  EXPECT_THAT(interpreter.result().failures,
              ElementsAre(HasSubstr("t.heap:2: expect refcount(a) == 3")));
}

TEST(InterpreterTest, AnRpcErrorStopsThePass) {
  const Scenario scenario = Parse(
      "a = object\n"
      "b = object\n"
      "c = object\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  heap.answer = [&](const HeapRequest& r) -> std::optional<HeapReply> {
    if (heap.next_handle == 2) {
      ++heap.next_handle;
      return absl::ResourceExhaustedError("heap full");
    }
    return std::nullopt;
  };
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "Allocate"));
  EXPECT_EQ(interpreter.result().error.code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(interpreter.result().error.message(),
            "t.heap:2: Allocate: heap full");
  EXPECT_EQ(listener.events.back(), "STOPPED t.heap:2: Allocate: heap full");
  // Over is over.
  EXPECT_FALSE(interpreter.Next(listener).has_value());
}

TEST(InterpreterTest, UnboundNameStopsWithItsLine) {
  const Scenario scenario = Parse("x = 1\ndel x, y\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  Drive(interpreter, listener, heap);
  EXPECT_EQ(interpreter.result().error.message(),
            "t.heap:2: 'y' is not defined");
}

TEST(InterpreterTest, RepeatsRunTheirBodyAndCountStatements) {
  const Scenario scenario = Parse(
      "repeat 2 {\n"
      "  x = int 1\n"
      "}\n"
      "repeat 0 {\n"
      "  y = int 1\n"
      "}\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  // The second `x = int 1` drops the first int.
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "Allocate", "DecRef #1"));
  EXPECT_THAT(listener.events,
              ElementsAre("repeat 1 depth 0", HasSubstr("2: int #1"),
                          HasSubstr("2: int #2"), "end repeat 1 depth 0: 2",
                          "repeat 4 depth 0", "end repeat 4 depth 0: 0"));
  EXPECT_EQ(interpreter.result().statements, 4);
}

TEST(InterpreterTest, RunawayRepeatStops) {
  const Scenario scenario = Parse("repeat 100 {\n  x = 1\n}\n");
  Interpreter interpreter(scenario, /*max_statements=*/10);
  Recorder listener;
  ScriptedHeap heap;
  Drive(interpreter, listener, heap);
  EXPECT_EQ(interpreter.result().error.code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(interpreter.result().error.message(),
              HasSubstr("t.heap:2: the scenario ran more than 10 statements"));
}

// Cleanup gives back one reference per name bound to an object (an alias
// holds one too), and nothing for numbers; Restart starts over.
TEST(InterpreterTest, CleanupDropsWhatTheNamesHold) {
  const Scenario scenario = Parse(
      "a = object\n"
      "b = a\n"
      "c = object\n"
      "n = 5\n"
      "del c\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "IncRef #1", "Allocate", "DecRef #2"));
  interpreter.BeginCleanup();
  EXPECT_TRUE(interpreter.cleaning());
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("DecRef #1", "DecRef #1"));
  interpreter.Restart();
  EXPECT_FALSE(interpreter.cleaning());
  EXPECT_EQ(interpreter.result().statements, 0);
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("Allocate", "IncRef #3", "Allocate", "DecRef #4"));
}

// A pass that stopped early is cleaned up the same way.
TEST(InterpreterTest, CleanupAfterAnErrorDropsWhatWasBound) {
  const Scenario scenario = Parse(
      "a = object\n"
      "b = object\n"
      "expect nothing == 1\n"
      "c = object\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  Drive(interpreter, listener, heap);
  EXPECT_FALSE(interpreter.result().error.ok());
  interpreter.BeginCleanup();
  EXPECT_THAT(Drive(interpreter, listener, heap),
              ElementsAre("DecRef #1", "DecRef #2"));
}

// A `finalizer resurrect` hands the session a reference no name holds;
// the cleanup finds it with Inspect and gives it back, then sees the object
// gone.
TEST(InterpreterTest, CleanupGivesBackResurrectedReferences) {
  const Scenario scenario = Parse("z = object finalizer resurrect\n");
  Interpreter interpreter(scenario);
  Recorder listener;
  ScriptedHeap heap;
  int inspects = 0;
  heap.answer = [&](const HeapRequest& r) -> std::optional<HeapReply> {
    if (!std::holds_alternative<v1::InspectRequest>(r)) return std::nullopt;
    if (++inspects > 1) return absl::NotFoundError("freed");
    v1::InspectResponse response;
    response.mutable_object()->set_session_references(1);
    return HeapResponse(response);
  };
  EXPECT_THAT(Drive(interpreter, listener, heap), ElementsAre("Allocate"));
  interpreter.BeginCleanup();
  EXPECT_THAT(
      Drive(interpreter, listener, heap),
      ElementsAre("DecRef #1", "Inspect #1", "DecRef #1", "Inspect #1"));
}

TEST(InterpreterTest, RpcNamesFollowTheVariant) {
  EXPECT_STREQ(RpcName(HeapRequest(v1::AllocateRequest())), "Allocate");
  EXPECT_STREQ(RpcName(HeapRequest(v1::SetGcConfigRequest())), "SetGcConfig");
  EXPECT_STREQ(RpcName(HeapRequest(v1::StatsRequest())), "Stats");
}

}  // namespace
}  // namespace heapd::scenario
