// Every heap scenario in tests/scenarios/*.heap, each run by the scenario
// runner against a real heapd of its own (a fresh heap, so scenarios may
// state absolute figures), plus the negative cases: a deliberately failing
// scenario fails at its file and line, and `run`'s exit codes.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/heap_client.h"
#include "client/scenario/parser.h"
#include "client/scenario/run_command.h"
#include "client/scenario/runner.h"
#include "client/session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The scenarios' directory in the runfiles, and its name in messages.
std::string ScenarioDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return "tests/scenarios";
  return absl::StrCat(srcdir, "/", workspace, "/tests/scenarios");
}

// The names of tests/scenarios/*.heap, sorted.
std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(ScenarioDir(), error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && absl::EndsWith(name, ".heap")) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadFile(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  std::stringstream text;
  text << input.rdbuf();
  return text.str();
}

// A heapd on 127.0.0.1 with a free port for each test (HeapdTest: stopped
// cleanly, exit code 0, at the end), and the client library connected to it.
class HeapdForScenarios : public HeapdTest {
 protected:
  HeapdForScenarios() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override {
    Start({});
    client::ClientOptions options;
    options.address = absl::StrCat("ipv4:", address_);
    options.deadline = absl::Seconds(30);
    absl::StatusOr<client::HeapClient> heap =
        client::HeapClient::Connect(options);
    ASSERT_TRUE(heap.ok()) << heap.status();
    client_ = std::make_unique<client::HeapClient>(*std::move(heap));
  }

  void TearDown() override {
    client_.reset();
    HeapdTest::TearDown();
  }

  // Parses and runs tests/scenarios/`name`; the log goes to `log`.
  scenario::RunResult Run(const std::string& name, std::string* log) {
    const std::string display = absl::StrCat("tests/scenarios/", name);
    absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
        ReadFile(absl::StrCat(ScenarioDir(), "/", name)), display);
    scenario::RunResult result;
    if (!parsed.ok()) {
      result.error = parsed.status();
      *log = std::string(parsed.status().message());
      return result;
    }
    std::ostringstream out;
    result = scenario::RunScenario(*parsed, *client_, {}, out);
    *log = out.str();
    return result;
  }

  std::unique_ptr<client::HeapClient> client_;
};

class ScenarioTest : public HeapdForScenarios,
                     public ::testing::WithParamInterface<std::string> {};

TEST_P(ScenarioTest, EveryExpectationHolds) {
  std::string log;
  const scenario::RunResult result = Run(GetParam(), &log);
  EXPECT_TRUE(result.ok()) << log;
  EXPECT_TRUE(result.error.ok()) << result.error;
  EXPECT_THAT(result.failures, ElementsAre());
  // A scenario without expectations would pass whatever the heap did.
  EXPECT_GE(result.expectations_passed, 2) << log;
}

// "04_two_object_cycle.heap" -> "04_two_object_cycle".
std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.size() - 5);
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      c = '_';
    }
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest,
                         ::testing::ValuesIn(ScenarioNames()), TestName);

TEST(ScenarioDirectoryTest, HoldsAtLeastFifteenScenarios) {
  EXPECT_GE(ScenarioNames().size(), 15u);
}

using FailingScenarioTest = HeapdForScenarios;

TEST_F(FailingScenarioTest, WrongExpectationFailsAtItsFileAndLine) {
  std::string log;
  const scenario::RunResult result = Run("failing/wrong_count.heap", &log);
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.error.ok()) << result.error;
  // The failure is reported, and the run goes on to the next expectation.
  EXPECT_THAT(result.failures,
              ElementsAre("tests/scenarios/failing/wrong_count.heap:9: "
                          "expect collected == 3 failed: collected is 2"));
  EXPECT_EQ(result.expectations_passed, 1);
  EXPECT_THAT(log, HasSubstr("expect collected == 3 -> FAILED: collected "
                             "is 2"));
}

TEST_F(FailingScenarioTest, StatementThatCannotRunStopsTheScenario) {
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
      "a = object\ndel a\na.ref = a\nexpect 1 == 1\n", "gone.heap");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::ostringstream out;
  const scenario::RunResult result =
      scenario::RunScenario(*parsed, *client_, {}, out);
  EXPECT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.error.message()),
              HasSubstr("gone.heap:3: 'a' was deleted"));
  EXPECT_EQ(result.expectations_passed, 0) << out.str();
}

TEST_F(FailingScenarioTest, ServerErrorsNameTheLine) {
  // Appending to an int: the heap refuses (FAILED_PRECONDITION).
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
      "i = int 5\nl = list 0\ni.append(l)\n", "atomic.heap");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::ostringstream out;
  const scenario::RunResult result =
      scenario::RunScenario(*parsed, *client_, {}, out);
  EXPECT_EQ(result.error.code(), absl::StatusCode::kFailedPrecondition)
      << result.error;
  EXPECT_THAT(std::string(result.error.message()),
              HasSubstr("atomic.heap:3: Link (append): "));
}

TEST_F(FailingScenarioTest, VerboseQuietAndPrint) {
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
      "keep = list 0\n"
      "repeat 2 {\n"
      "  x = object\n"
      "  keep.append(x)\n"
      "  print \"items\", inspect(keep).items\n"
      "}\n"
      "expect inspect(keep).items == 3\n",
      "shape.heap");
  ASSERT_TRUE(parsed.ok()) << parsed.status();

  std::ostringstream normal;
  scenario::RunResult result =
      scenario::RunScenario(*parsed, *client_, {}, normal);
  EXPECT_EQ(result.failures.size(), 1u);
  // keep, the repeat itself, 2 x 3 body statements, the expect.
  EXPECT_EQ(result.statements, 9);
  EXPECT_THAT(normal.str(), HasSubstr("    2 | repeat 2 {\n"
                                      "items 1\n"
                                      "items 2\n"
                                      "      | } -> 2 times, 6 statements\n"));
  EXPECT_THAT(normal.str(), Not(HasSubstr("keep.append(x) ->")));
  EXPECT_THAT(normal.str(),
              HasSubstr("shape.heap:7: expect inspect(keep).items == 3 "
                        "failed: inspect(keep).items is 2"));

  scenario::RunOptions verbose;
  verbose.verbose = true;
  std::ostringstream loud;
  scenario::RunScenario(*parsed, *client_, verbose, loud);
  EXPECT_THAT(loud.str(), HasSubstr("    4 | keep.append(x) -> x refcount 2"));

  scenario::RunOptions quiet;
  quiet.quiet = true;
  std::ostringstream silent;
  scenario::RunScenario(*parsed, *client_, quiet, silent);
  EXPECT_THAT(silent.str(), Not(HasSubstr(" | ")));
  EXPECT_THAT(silent.str(), HasSubstr("items 2\nshape.heap:7: expect"));
}

TEST_F(FailingScenarioTest, ArithmeticOverflowIsAnError) {
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
      "t = stats.timestamp_unix_ns\nexpect t + t + t + t + t + t > 0\n",
      "big.heap");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::ostringstream out;
  const scenario::RunResult result =
      scenario::RunScenario(*parsed, *client_, {}, out);
  EXPECT_EQ(result.error.code(), absl::StatusCode::kOutOfRange) << out.str();
  EXPECT_THAT(std::string(result.error.message()),
              HasSubstr("big.heap:2: 't + t + t + t + t + t' overflows 64 "
                        "bits"));
}

TEST_F(FailingScenarioTest, RunCommandExitCodes) {
  const std::string dir = ScenarioDir();
  const auto run = [&](std::vector<std::string> args, std::string* out_text,
                       std::string* err_text) {
    std::ostringstream out;
    std::ostringstream err;
    args.push_back(absl::StrCat("--server=ipv4:", address_));
    const int code = scenario::RunScenarioCommand(args, out, err);
    *out_text = out.str();
    *err_text = err.str();
    return code;
  };
  std::string out;
  std::string err;
  EXPECT_EQ(run({dir + "/04_two_object_cycle.heap"}, &out, &err), 0) << err;
  EXPECT_THAT(out, HasSubstr("collect -> collected 2, uncollectable 0"));
  EXPECT_EQ(run({dir + "/failing/wrong_count.heap"}, &out, &err), 1);
  EXPECT_THAT(err, HasSubstr("wrong_count.heap:9: expect collected == 3 "
                             "failed: collected is 2"));
  EXPECT_EQ(run({dir + "/failing/wrong_count.heap", "--json"}, &out, &err), 1);
  EXPECT_THAT(out, HasSubstr("\"ok\": false"));
  EXPECT_THAT(out, HasSubstr("\"expectations_passed\": 1"));

  const char* tmpdir = std::getenv("TEST_TMPDIR");
  const std::string bad =
      absl::StrCat(tmpdir != nullptr ? tmpdir : "/tmp", "/bad.heap");
  std::ofstream(bad) << "a = object\ndel\n";
  EXPECT_EQ(run({bad}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("bad.heap:2: expected a name after 'del'"));
  EXPECT_EQ(run({}, &out, &err), 2);
  EXPECT_THAT(err, HasSubstr("usage: run FILE"));
  EXPECT_EQ(run({dir + "/missing.heap"}, &out, &err), 2);
}

// A scenario on a heap that already held objects: a hint when it fails, a
// note when it uses a heap-wide statement; neither on a fresh heap.
TEST_F(FailingScenarioTest, BusyHeapIsNamedWhereItMatters) {
  const std::string dir = ScenarioDir();
  const auto run = [&](const std::string& file, std::string* err_text) {
    std::ostringstream out;
    std::ostringstream err;
    const int code = scenario::RunScenarioCommand(
        {file, absl::StrCat("--server=ipv4:", address_)}, out, err);
    *err_text = err.str();
    return code;
  };
  std::string err;
  EXPECT_EQ(run(dir + "/12_freeze.heap", &err), 0) << err;
  EXPECT_THAT(err, Not(HasSubstr("note:")));

  // Another session's 5 strs: 15_arena_release counts every str.
  absl::StatusOr<client::Session> other =
      client_->OpenSession(absl::Seconds(60), "other");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(other->Allocate(v1::STR, 10, 5).ok());

  EXPECT_EQ(run(dir + "/15_arena_release.heap", &err), 1);
  EXPECT_THAT(err, HasSubstr("run: hint: the heap held 5 objects before this "
                             "scenario started; a scenario that states "
                             "absolute figures expects a fresh heap: start "
                             "one with `tools/run --listen=127.0.0.1:0` and "
                             "pass --server=...\n"));
  EXPECT_THAT(err, Not(HasSubstr("note:")));  // no heap-wide statement

  EXPECT_EQ(run(dir + "/12_freeze.heap", &err), 0) << err;
  EXPECT_THAT(err, HasSubstr("run: note: " + dir +
                             "/12_freeze.heap:19: gc.freeze acts on the whole "
                             "heap, not only this scenario's objects: the "
                             "heap held 5 objects of other sessions when it "
                             "started"));
  EXPECT_THAT(err, Not(HasSubstr("hint:")));  // it passed
}

// The objects a scenario's names refer to as it ends, handed over before
// its session closes.
TEST_F(FailingScenarioTest, AtEndSeesTheNamesBeforeTheSessionCloses) {
  absl::StatusOr<scenario::Scenario> parsed = scenario::ParseScenario(
      "a = object\nb = object\na.ref = b\nb.ref = a\nkeep = list 0\n"
      "del a\nexpect 1\n",
      "names.heap");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  scenario::RunOptions options;
  scenario::NamedObjects seen;
  int64_t keep_held = -1;
  options.at_end = [&](const client::Session& session,
                       const scenario::NamedObjects& objects) {
    seen = objects;
    absl::StatusOr<v1::ObjectInfo> keep =
        session.Inspect(objects.bound.at("keep"));
    if (keep.ok()) keep_held = keep->session_references();
  };
  std::ostringstream out;
  EXPECT_TRUE(scenario::RunScenario(*parsed, *client_, options, out).ok());
  EXPECT_EQ(seen.bound.size(), 2u);  // b, keep
  EXPECT_EQ(seen.bound.count("b"), 1u);
  EXPECT_EQ(seen.deleted.count("a"), 1u);
  EXPECT_EQ(keep_held, 1);  // the session was still open
}

}  // namespace
}  // namespace heapd
