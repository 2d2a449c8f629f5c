// libFuzzer target for the scenario parser: any bytes must parse or fail
// with a status, within bounded time and memory. Built with clang:
//
//   bazel build --repo_env=CC=clang-14 //client:scenario_parser_fuzzer
//   bazel-bin/client/scenario_parser_fuzzer -max_total_time=60 \
//       -max_len=8192 tests/scenarios/   # the scenarios as the seed corpus
//
// (Copy tests/scenarios to a scratch directory first: libFuzzer adds the
// inputs it finds to the first corpus directory.)
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "client/scenario_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<heapd::scenario::Scenario> scenario =
      heapd::scenario::ParseScenario(text, "fuzz.heap");
  // Every error names the file and a line.
  if (!scenario.ok() &&
      scenario.status().message().substr(0, 10) != "fuzz.heap:") {
    __builtin_trap();
  }
  return 0;
}
