// What heapctl tells a person or a script against a real heapd: a large
// allocation summarised, `doctor`'s exit code, an unknown session said in
// heapctl's terms, misspelt subcommands answered with the nearest one.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

class HeapctlOutputTest : public HeapctlTest {
 protected:
  std::string OpenSession() { return OpenSessionThroughHeapctl(); }

  static std::vector<std::string> Lines(const std::string& text) {
    return absl::StrSplit(text, '\n', absl::SkipEmpty());
  }
};

TEST_F(HeapctlOutputTest, ManyObjectsAreSummarisedUnlessAllOrJson) {
  const std::string s = "--session=" + OpenSession();
  const std::vector<std::string> summary =
      Lines(Ok({"alloc", "list", "--count=50000", s}));
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_THAT(summary[0],
              MatchesRegex("50,000 list objects size=56 block=64 class=3, "
                           "handles [0-9]+ \\(first\\) \\.\\. [0-9]+ "
                           "\\(last\\); --all or --json lists every handle"));
  EXPECT_EQ(Lines(Ok({"alloc", "int", "--count=11", "--all", s})).size(), 11u);
  const std::string json = Ok({"alloc", "int", "--count=11", "--json", s});
  size_t handles = 0;
  for (size_t at = json.find("\"handle\""); at != std::string::npos;
       at = json.find("\"handle\"", at + 1)) {
    ++handles;
  }
  EXPECT_EQ(handles, 11u) << json;
  // A few objects are listed, one a line, for scripts that read handles.
  const std::vector<std::string> few =
      Lines(Ok({"alloc", "dict", "--count=10", s}));
  ASSERT_EQ(few.size(), 10u);
  EXPECT_THAT(few[9], MatchesRegex("[0-9]+ dict size=[0-9]+ .*"));
}

TEST_F(HeapctlOutputTest, DoctorExitCodeSaysWhetherItFoundAProblem) {
  EXPECT_EQ(Heapctl({"doctor"}).exit_code, 0);
  // SAVEALL keeps the collected cycle in gc.garbage: a problem.
  const std::string s = "--session=" + OpenSession();
  Ok({"gc-config", "set", "--debug_flags=32"});
  const std::vector<std::string> objects =
      Lines(Ok({"alloc", "object", "--count=2", s}));
  ASSERT_EQ(objects.size(), 2u);
  const std::string a = objects[0].substr(0, objects[0].find(' '));
  const std::string b = objects[1].substr(0, objects[1].find(' '));
  Ok({"link", a, b, "--field=ref", s});
  Ok({"link", b, a, "--field=ref", s});
  Ok({"decref", a, s});
  Ok({"decref", b, s});
  Ok({"collect"});
  const CommandResult sick = Heapctl({"doctor"});
  EXPECT_EQ(sick.exit_code, 3) << sick.err;
  EXPECT_THAT(sick.out, StartsWith("garbage: gc.garbage holds 2 objects"));
  EXPECT_EQ(Heapctl({"doctor", "--json"}).exit_code, 3);
}

TEST_F(HeapctlOutputTest, UnknownSessionIsSaidInHeapctlTerms) {
  const std::string expected =
      "heapctl: session 'no-such-session' is unknown or expired (never "
      "opened, closed, or its lease ran out): open one with `heapctl session "
      "open`\n";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"decref", "12", "--session=no-such-session"},
           {"alloc", "list", "--session=no-such-session"},
           {"ping", "--session=no-such-session"},
           {"session", "close", "--session=no-such-session"},
           {"inspect", "12", "--session=no-such-session"}}) {
    const CommandResult result = Heapctl(args);
    EXPECT_EQ(result.exit_code, 1) << absl::StrJoin(args, " ");
    EXPECT_EQ(result.err, expected) << absl::StrJoin(args, " ");
  }
  // A handle heapd does not know is still heapd's NOT_FOUND.
  const std::string s = "--session=" + OpenSession();
  EXPECT_THAT(Heapctl({"decref", "12", s}).err,
              StartsWith("heapctl: NOT_FOUND: "));
}

TEST_F(HeapctlOutputTest, MisspeltSubcommandSuggestsTheNearest) {
  CommandResult result = Heapctl({"session", "opn"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err,
              StartsWith("heapctl: unknown subcommand \"opn\" for session: "
                         "did you mean \"open\"?\nusage: heapctl session"));
  result = Heapctl({"gc-config", "st", "--threshold0=5"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("did you mean \"set\"?"));
  EXPECT_THAT(Heapctl({"session", "frobnicate"}).err,
              StartsWith("heapctl: unknown subcommand \"frobnicate\" for "
                         "session\n"));
}

TEST_F(HeapctlOutputTest, DotMarksACycleNoRootReaches) {
  const std::string s = "--session=" + OpenSession();
  const std::vector<std::string> objects =
      Lines(Ok({"alloc", "object", "--count=2", s}));
  ASSERT_EQ(objects.size(), 2u);
  const std::string a = objects[0].substr(0, objects[0].find(' '));
  const std::string b = objects[1].substr(0, objects[1].find(' '));
  Ok({"link", a, b, "--field=ref", s});
  Ok({"link", b, a, "--field=ref", s});
  EXPECT_THAT(Ok({"dot", a, s}), Not(HasSubstr("unreachable")));
  Ok({"decref", a, s});
  Ok({"decref", b, s});
  const std::string dot = Ok({"dot", a});
  EXPECT_THAT(dot, HasSubstr("object\\nrefcount 1, gen 0\\nunreachable\", "
                             "tooltip=\"handle " +
                             a));
  EXPECT_THAT(dot, HasSubstr("object\\nrefcount 1, gen 0\\nunreachable\", "
                             "tooltip=\"handle " +
                             b));
  EXPECT_THAT(dot, HasSubstr("unreachable: the collector's to find"));
  EXPECT_THAT(dot, HasSubstr(absl::StrCat("  n", a, " -> n", b,
                                          " [taillabel=\".ref\"];")));
  if (access("/usr/bin/dot", X_OK) != 0) {
    GTEST_SKIP() << "Graphviz is not installed (tools/setup installs it)";
  }
  const std::string path = absl::StrCat(std::getenv("TEST_TMPDIR"), "/c.dot");
  std::ofstream(path) << dot;
  EXPECT_EQ(
      std::system(
          absl::StrCat("/usr/bin/dot -Tsvg ", path, " -o /dev/null").c_str()),
      0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST_F(HeapctlOutputTest, RunDrawsTheScenarioWithItsNames) {
  const std::string dir = std::getenv("TEST_TMPDIR");
  const std::string scenario = dir + "/cycle.heap";
  std::ofstream(scenario) << "a = object\nb = object\na.ref = b\nb.ref = a\n"
                             "d = dict\nd[\"x\"] = d\ndel a, b\nexpect 1\n";
  const std::string dot = dir + "/cycle.dot";
  const CommandResult result = Heapctl({"run", scenario, "--dot=" + dot});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const std::string graph = ReadFile(dot);
  EXPECT_THAT(graph, HasSubstr("[label=\"a (deleted) object\\nrefcount 1, "
                               "gen 0\\nunreachable\""));
  EXPECT_THAT(graph, HasSubstr("[label=\"b (deleted) object\\nrefcount 1, "
                               "gen 0\\nunreachable\""));
  EXPECT_THAT(graph, HasSubstr("[label=\"d dict\\nrefcount 2, gen 0\\nsession "
                               "holds 1\""));
  EXPECT_THAT(graph, HasSubstr("[taillabel=\"[\\\"x\\\"]\"]"));
  EXPECT_THAT(graph, Not(HasSubstr("#")));  // every object has a name
  if (access("/usr/bin/dot", X_OK) != 0) {
    GTEST_SKIP() << "Graphviz is not installed (tools/setup installs it)";
  }
  EXPECT_EQ(
      std::system(
          absl::StrCat("/usr/bin/dot -Tsvg ", dot, " -o /dev/null").c_str()),
      0);
}

}  // namespace
}  // namespace heapd
