// Fuzzes the scenario language's parser (client/scenario/parser.h): any
// bytes must give a Scenario or INVALID_ARGUMENT, never a crash, a sanitizer
// report or unbounded work, and what comes back must be consistent:
//   - an error is INVALID_ARGUMENT and reads "fuzz.heap:LINE: ..." with
//     1 <= LINE <= the input's line count + 1;
//   - a scenario's statements carry lines in that range, in order (a
//     repeat's body on lines after its own), nested at most kMaxBlockDepth
//     deep, with repeat counts and literals within the parser's limits;
//   - parsing is a function of the text: a second parse gives the same
//     statements (kinds, lines, sources).
// The seed corpus is the scenarios of tests/scenarios.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "client/scenario/parser.h"

namespace heapd::scenario {
namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "scenario_parser_fuzzer: %s\n", what.c_str());
  std::abort();
}

void CheckStatements(const std::vector<Statement>& statements, int after,
                     int last_line, int depth) {
  if (depth > kMaxBlockDepth + 1) Fail("repeat blocks nested too deep");
  int previous = after;
  for (const Statement& statement : statements) {
    if (statement.line <= previous || statement.line > last_line) {
      Fail("statement on line " + std::to_string(statement.line) +
           " after line " + std::to_string(previous) + " of " +
           std::to_string(last_line));
    }
    if (statement.kind == StatementKind::kRepeat) {
      if (statement.count < 0 || statement.count > kMaxRepeatCount) {
        Fail("repeat count out of range");
      }
      CheckStatements(statement.body, statement.line, last_line, depth + 1);
      if (!statement.body.empty()) previous = statement.body.back().line;
    }
    for (int64_t threshold : statement.thresholds) {
      if (threshold < 0 || threshold > kMaxLiteral) {
        Fail("threshold out of range");
      }
    }
    if (statement.length < 0 || statement.length > kMaxLiteral) {
      Fail("length out of range");
    }
    previous = std::max(previous, statement.line);
  }
}

bool SameStatements(const std::vector<Statement>& a,
                    const std::vector<Statement>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].kind != b[i].kind || a[i].line != b[i].line ||
        a[i].source != b[i].source || !SameStatements(a[i].body, b[i].body)) {
      return false;
    }
  }
  return true;
}

}  // namespace
}  // namespace heapd::scenario

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heapd::scenario;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  int lines = 1;
  for (char c : text) lines += c == '\n';
  absl::StatusOr<Scenario> scenario = ParseScenario(text, "fuzz.heap");
  if (!scenario.ok()) {
    if (scenario.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail("an error that is not INVALID_ARGUMENT: " +
           scenario.status().ToString());
    }
    const absl::string_view message = scenario.status().message();
    const absl::string_view prefix = "fuzz.heap:";
    int line = 0;
    const size_t colon = message.find(':', prefix.size());
    if (message.substr(0, prefix.size()) != prefix ||
        colon == absl::string_view::npos ||
        !absl::SimpleAtoi(message.substr(prefix.size(), colon - prefix.size()),
                          &line) ||
        line < 1 || line > lines + 1) {
      Fail("an error that names no line of the input: " + std::string(message));
    }
    return 0;
  }
  if (scenario->filename != "fuzz.heap") Fail("the filename changed");
  CheckStatements(scenario->statements, 0, lines, 0);
  absl::StatusOr<Scenario> again = ParseScenario(text, "fuzz.heap");
  if (!again.ok() || !SameStatements(scenario->statements, again->statements)) {
    Fail("a second parse of the same text differs");
  }
  return 0;
}
