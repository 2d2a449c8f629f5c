// heapctl, the binary, against a real heapd: the golden output of `stats`
// (text and JSON) after a fixed scenario, exit codes and error messages,
// --server before and after the command, sessions across commands, `dot`
// of a small graph, `diff` and `doctor`, and `top` on a pseudo-terminal.
//
// Golden files: tests/golden/heapctl_stats.txt and heapctl_stats.json are
// `heapctl stats --fresh --redact` (and `--json`) on a fresh heapd after
// the scenario of StatsMatchTheGoldenFiles (the classic cycle, collected;
// 100 ints, 10 strs and a raw block, kept). --redact prints what varies between
// runs (durations, the lock's contention figures, version, uptime, the slow
// log) as `*`, or zero in JSON; everything else is deterministic for that
// scenario. To regenerate after an intended change, run (one line)
//   bazel test //tests/client:heapctl_test
//       --test_env=HEAPD_GOLDEN_OUTPUT_DIR=$PWD/tests/golden
// and review the diff.
#include <signal.h>
#include <termios.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/heapctl_fixture.h"
#include "tests/client/heapctl_runner.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class HeapctlCommandsTest : public HeapctlTest {
 protected:
  // The handle on the first line of `alloc`'s output.
  static std::string FirstHandle(const std::string& alloc_output) {
    return std::string(alloc_output.substr(0, alloc_output.find(' ')));
  }
};

// --- golden stats
// -------------------------------------------------------------

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string GoldenPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/",
                      std::getenv("TEST_WORKSPACE"), "/tests/golden/", name);
}

void CompareWithGolden(const std::string& name, const std::string& actual) {
  if (const char* dir = std::getenv("HEAPD_GOLDEN_OUTPUT_DIR")) {
    std::ofstream(absl::StrCat(dir, "/", name)) << actual;
  }
  const std::string golden = ReadFile(GoldenPath(name));
  EXPECT_EQ(actual, golden)
      << "tests/golden/" << name << " differs; the output was:\n"
      << actual;
}

TEST_F(HeapctlCommandsTest, StatsMatchTheGoldenFiles) {
  const std::string session = OpenSessionThroughHeapctl();
  const std::string a =
      FirstHandle(Ok({"alloc", "object", "--session", session}));
  const std::string b =
      FirstHandle(Ok({"alloc", "object", "--session", session}));
  Ok({"link", a, b, "--field=ref", "--session", session});
  Ok({"link", b, a, "--field=ref", "--session", session});
  Ok({"decref", a, "--session", session});
  Ok({"decref", b, "--session", session});
  Ok({"alloc", "int", "--count=100", "--length=30", "--session", session});
  Ok({"alloc", "str", "--count=10", "--length=200", "--session", session});
  Ok({"alloc", "raw", "--length=4096", "--session", session});
  EXPECT_THAT(Ok({"collect"}), StartsWith("collected 2, uncollectable 0"));

  CompareWithGolden("heapctl_stats.txt", Ok({"stats", "--fresh", "--redact"}));
  CompareWithGolden("heapctl_stats.json",
                    Ok({"stats", "--fresh", "--redact", "--json"}));
}

TEST_F(HeapctlCommandsTest, StatsSectionsAndPlainJson) {
  const std::string lock = Ok({"stats", "--sections=lock"});
  EXPECT_THAT(lock, StartsWith("Lock: policy cpython"));
  EXPECT_THAT(lock, ::testing::Not(HasSubstr("Allocator")));
  const std::string json = Ok({"--json", "stats", "--sections=server"});
  EXPECT_THAT(json, HasSubstr("\"sessions_open\": \"0\""));
  EXPECT_THAT(json, HasSubstr("\"version\": \""));
  CommandResult bad = Heapctl({"stats", "--sections=bogus"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("heapctl: unknown section 'bogus'"));
}

// --- the command line
// ---------------------------------------------------------

TEST_F(HeapctlCommandsTest, ServerFlagBeforeOrAfterTheCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{server_flag_, "ping"},
                                             {"ping", server_flag_},
                                             {"--server", address_, "ping"},
                                             {"ping", "--server", address_}}) {
    absl::StatusOr<CommandResult> result = RunHeapctl(args);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->exit_code, 0) << absl::StrJoin(args, " ") << result->err;
    EXPECT_THAT(result->out, HasSubstr("pong from heapd"));
    EXPECT_THAT(result->out, HasSubstr(address_));
  }
  // Nothing listens on port 1: an RPC error, exit code 1.
  absl::StatusOr<CommandResult> down =
      RunHeapctl({"ping", "--server=127.0.0.1:1", "--deadline=5s"});
  ASSERT_TRUE(down.ok());
  EXPECT_EQ(down->exit_code, 1);
  EXPECT_THAT(down->err, StartsWith("heapctl: "));
}

TEST_F(HeapctlCommandsTest, UsageErrorsExitTwoAndRpcErrorsExitOne) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, 2, "usage: heapctl"},
      {{"bogus"}, 2, "heapctl: unknown command \"bogus\""},
      {{"alloc", "object"}, 2, "heapctl: alloc needs --session=ID"},
      {{"alloc", "pony", "--session=x"}, 2, "heapctl: unknown type 'pony'"},
      {{"stats", "--frobnicate"}, 2, "heapctl: unknown flag --frobnicate"},
      {{"link", "1", "2", "--session=x"},
       2,
       "give one of --field=NAME, --append or --index=N"},
      {{"gc-config", "set"}, 2, "needs at least one of"},
      {{"decref", "12", "--session=no-such-session"},
       1,
       "heapctl: session 'no-such-session' is unknown or expired"},
      {{"collect", "--generation=5"}, 1, "heapctl: INVALID_ARGUMENT: "},
      {{"run", "no-such-scenario.heap"},
       2,
       "cannot read no-such-scenario.heap"},
      {{"run"}, 2, "expected one scenario FILE"},
      {{"top", "--json"}, 2, "heapctl: top draws a terminal view"},
  };
  for (const Case& c : cases) {
    const CommandResult result = Heapctl(c.args);
    EXPECT_EQ(result.exit_code, c.exit_code) << absl::StrJoin(c.args, " ");
    EXPECT_THAT(result.err, HasSubstr(c.message)) << absl::StrJoin(c.args, " ");
  }
  EXPECT_THAT(Ok({"help", "dot"}), StartsWith("usage: heapctl dot HANDLE"));
  EXPECT_THAT(Ok({"alloc", "--help"}), StartsWith("usage: heapctl alloc TYPE"));
}

TEST_F(HeapctlCommandsTest, SessionsOutliveEachCommand) {
  const std::string session = OpenSessionThroughHeapctl();
  EXPECT_EQ(session.size(), 32u);
  const std::string alloc =
      Ok({"alloc", "list", "--count=2", "--session=" + session});
  const std::vector<std::string> lines =
      absl::StrSplit(alloc, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr(" list size=56 block=64 class=3"));
  const std::string list = FirstHandle(lines[0]);
  const std::string item = FirstHandle(lines[1]);
  EXPECT_THAT(Ok({"link", list, item, "--append", "--session=" + session}),
              StartsWith("target refcount 2"));
  EXPECT_THAT(Ok({"incref", item, "--session=" + session}),
              StartsWith("refcount 3, session holds 2"));
  EXPECT_THAT(Ok({"inspect", list}), HasSubstr("items: " + item));
  EXPECT_THAT(Ok({"unlink", list, "--item=" + item, "--session=" + session}),
              StartsWith("released " + item));
  EXPECT_THAT(Ok({"stats", "--sections=server"}), HasSubstr("sessions open 1"));
  EXPECT_THAT(Ok({"session", "close", "--session=" + session}),
              StartsWith("closed: released 3 references, freed 2 objects"));
  EXPECT_EQ(Heapctl({"ping", "--session=" + session}).exit_code, 1);
}

TEST_F(HeapctlCommandsTest, ItemsByIndexAndGet) {
  const std::string session = OpenSessionThroughHeapctl();
  const std::string in = "--session=" + session;
  const std::vector<std::string> lines = absl::StrSplit(
      Ok({"alloc", "list", "--count=3", in}), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  const std::string list = FirstHandle(lines[0]);
  const std::string a = FirstHandle(lines[1]);
  const std::string b = FirstHandle(lines[2]);
  Ok({"link", list, a, "--append", in});
  EXPECT_THAT(Ok({"link", list, b, "--index=-1", in}),
              StartsWith("target refcount 2, replaced " + a));
  EXPECT_THAT(Ok({"get", list, "--index=0", in}),
              StartsWith(b + " list size=56, refcount 3, session holds 2"));
  EXPECT_THAT(Ok({"unlink", list, "--index=0", in}),
              StartsWith("released " + b + " (refcount 2)"));
  const CommandResult past_end = Heapctl({"get", list, "--index=0", in});
  EXPECT_EQ(past_end.exit_code, 1);
  EXPECT_THAT(past_end.err, HasSubstr("list index 0 out of range"));
  const CommandResult both =
      Heapctl({"link", list, a, "--append", "--index=0", in});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("give one of --field=NAME, --append or"));
  EXPECT_EQ(Heapctl({"get", list, in}).exit_code, 2);
  EXPECT_EQ(Heapctl({"get", list, "--index=x", in}).exit_code, 2);

  const std::string made = Ok({"weakref", a, "--callback", in});
  ASSERT_THAT(made, StartsWith("weak reference "));
  const std::vector<std::string> words =
      absl::StrSplit(made, absl::ByAnyChar(" \n"), absl::SkipEmpty());
  const std::string id = words.back();
  EXPECT_THAT(Ok({"weakref-read", id, in}),
              StartsWith(a + " list size=56, refcount 2, session holds 2"));
  Ok({"decref", a, in});
  Ok({"decref", a, in});
  EXPECT_EQ(Ok({"weakref-read", id, in}), "dead (r() is None)\n");
}

TEST_F(HeapctlCommandsTest, GcConfigFreezeAndJson) {
  EXPECT_EQ(Ok({"gc-config"}),
            "thresholds 700 10 10, enabled, debug flags 0\n");
  EXPECT_EQ(Ok({"gc-config", "set", "--threshold0=500", "--enabled=false"}),
            "thresholds 500 10 10, disabled, debug flags 0\n");
  EXPECT_THAT(
      Ok({"gc-config", "get", "--json"}),
      HasSubstr("\"thresholds\": [\n  \"500\",\n  \"10\",\n  \"10\"\n ]"));
  EXPECT_EQ(Ok({"freeze"}), "permanent generation holds 0 objects\n");
  EXPECT_EQ(Ok({"unfreeze"}), "moved 0 objects back into generation 2\n");
}

// --- dot, diff, doctor
// --------------------------------------------------------

TEST_F(HeapctlCommandsTest, DotDrawsASmallGraph) {
  const std::string session = OpenSessionThroughHeapctl();
  const std::string s = "--session=" + session;
  const std::string list = FirstHandle(Ok({"alloc", "list", s}));
  const std::string a = FirstHandle(Ok({"alloc", "object", s}));
  const std::string b = FirstHandle(Ok({"alloc", "object", s}));
  Ok({"link", list, a, "--append", s});
  Ok({"link", a, b, "--field=ref", s});
  Ok({"link", b, a, "--field=ref", s});

  const std::string dot = Ok({"dot", list, s});
  const std::vector<std::string> lines =
      absl::StrSplit(dot, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 11u) << dot;
  EXPECT_EQ(lines[0], "digraph heap {");
  // The session holds all three: each a root, with a double border.
  EXPECT_THAT(lines[3], StartsWith(absl::StrCat("  n", list, " [label=\"#")));
  EXPECT_THAT(lines[3], HasSubstr(" list\\nrefcount 1, gen 0\\nsession "
                                  "holds 1\", tooltip=\"handle " +
                                  list));
  EXPECT_THAT(lines[3], HasSubstr("peripheries=2"));
  EXPECT_THAT(lines[4], HasSubstr(" object\\nrefcount 3, gen 0\\nsession "
                                  "holds 1"));
  EXPECT_EQ(lines[6],
            absl::StrCat("  n", list, " -> n", a, " [taillabel=\"[0]\"];"));
  EXPECT_EQ(lines[7],
            absl::StrCat("  n", a, " -> n", b, " [taillabel=\".ref\"];"));
  EXPECT_EQ(lines[8],
            absl::StrCat("  n", b, " -> n", a, " [taillabel=\".ref\"];"));
  EXPECT_THAT(lines[9], StartsWith("  legend [shape=note"));
  EXPECT_EQ(lines.back(), "}");

  EXPECT_THAT(Ok({"dot", list, s, "--max_nodes=1"}),
              HasSubstr(absl::StrCat("\", tooltip=\"handle ", a, " (0x",
                                     absl::Hex(std::stoull(a)),
                                     ")\", style=dashed];")));
  EXPECT_EQ(Heapctl({"dot", "999", s}).exit_code, 1);
  EXPECT_THAT(Ok({"dot", list, s, "--json"}),
              HasSubstr(absl::StrCat("\"handle\": \"", b, "\"")));
}

TEST_F(HeapctlCommandsTest, DiffOfTwoSnapshotFiles) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string before = dir + "/before.json";
  const std::string after = dir + "/after.json";
  std::ofstream(before) << Ok({"stats", "--fresh", "--json"});
  const std::string session = OpenSessionThroughHeapctl();
  Ok({"alloc", "float", "--count=50", "--session=" + session});
  std::ofstream(after) << Ok({"stats", "--fresh", "--json"});

  const std::string diff = Ok({"diff", before, after});
  EXPECT_THAT(diff,
              HasSubstr("size class 1 (32 B): blocks=50 (+50), "
                        "bytes=1,600 (+1,600), pools=1 (+1)\n"
                        "type float: count=50 (+50), bytes=1,200 (+1,200)\n"
                        "Total: blocks=50 (+50), block bytes=1,600 "
                        "(+1,600), objects=50 (+50), object bytes=1,200 "
                        "(+1,200), arenas=1 (+1), collections +0, "
                        "collected +0\n"));
  // Floats are atomic: the collector's generations did not change.
  EXPECT_THAT(diff, ::testing::Not(HasSubstr("generation")));
  // Live: two snapshots 200 ms apart with nothing in between.
  const std::string live = Ok({"diff", "--interval", "200ms"});
  EXPECT_THAT(live, StartsWith("Changes over "));
  EXPECT_THAT(live, HasSubstr("no changes"));
  CommandResult missing = Heapctl({"diff", before, dir + "/nope.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read"));
}

TEST_F(HeapctlCommandsTest, DoctorOnAHealthyServer) {
  EXPECT_EQ(Ok({"doctor"}), "no problems found\n");
  EXPECT_EQ(Ok({"doctor", "--json"}), "{\n  \"findings\": []\n}\n");
}

// --- top on a terminal
// --------------------------------------------------------

TEST_F(HeapctlCommandsTest, TopDrawsOnATerminalAndQuitsOnQ) {
  absl::StatusOr<std::unique_ptr<PtyChild>> top =
      PtyChild::Start({"top", server_flag_, "--interval_ms=100"});
  ASSERT_TRUE(top.ok()) << top.status();
  absl::StatusOr<termios> before = (*top)->Modes();
  ASSERT_TRUE(before.ok());
  // Three frames: the title line is drawn once per refresh.
  ASSERT_TRUE((*top)->WaitForOutput("Size classes:", 3, absl::Seconds(30)).ok())
      << (*top)->output();
  (*top)->Type("q");
  absl::StatusOr<int> code = (*top)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*top)->output();

  const std::string& output = (*top)->output();
  EXPECT_THAT(output,
              StartsWith("\x1b[?1049h\x1b[?25l"));  // alt screen, no cursor
  EXPECT_THAT(output, HasSubstr("\x1b[H"));         // redrawn in place
  EXPECT_THAT(output, HasSubstr("RPCs/s: Stats"));  // a rate, frame 2+
  EXPECT_TRUE(absl::EndsWith(output, "\x1b[?25h\x1b[?1049l"))
      << "cursor and screen not restored";
  absl::StatusOr<termios> after = (*top)->Modes();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->c_lflag & ICANON);
  EXPECT_TRUE(after->c_lflag & ECHO);
}

TEST_F(HeapctlCommandsTest, TopRestoresTheTerminalOnCtrlC) {
  absl::StatusOr<std::unique_ptr<PtyChild>> top =
      PtyChild::Start({"top", server_flag_, "--interval_ms=100"});
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_TRUE(
      (*top)->WaitForOutput("Size classes:", 2, absl::Seconds(30)).ok());
  // Ctrl-C typed on the terminal: the line discipline sends SIGINT.
  (*top)->Type("\x03");
  absl::StatusOr<int> code = (*top)->WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 130);
  EXPECT_TRUE(absl::EndsWith((*top)->output(), "\x1b[?25h\x1b[?1049l"));
  absl::StatusOr<termios> after = (*top)->Modes();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->c_lflag & ICANON);
  EXPECT_TRUE(after->c_lflag & ECHO);
}

TEST_F(HeapctlCommandsTest, TopIterationsForScripts) {
  const CommandResult result =
      Heapctl({"top", "--iterations=2", "--interval_ms=50"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  // Not a terminal: no alternate screen, but two frames drawn in place.
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("\x1b[?1049h")));
  EXPECT_THAT(result.out, HasSubstr("Arenas: 0 in use"));
  EXPECT_THAT(result.out, HasSubstr("RPCs/s: Stats"));  // the second frame
}

}  // namespace
}  // namespace heapd
