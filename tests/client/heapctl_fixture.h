// HeapctlTest: a real heapd, and heapctl run against it as a child process.
//
// Every request publishes the figures Stats serves
// (--stats_publish_interval_ms=0), so output depends on the requests alone,
// not on when the publisher last ran.
#ifndef HEAPD_TESTS_CLIENT_HEAPCTL_FIXTURE_H_
#define HEAPD_TESTS_CLIENT_HEAPCTL_FIXTURE_H_

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/client/heapctl_runner.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {

class HeapctlTest : public HeapdTest {
 protected:
  HeapctlTest() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override {
    Start({"--stats_publish_interval_ms=0"});
    server_flag_ = "--server=" + address_;
  }

  // Runs heapctl against the test's heapd (--server last).
  CommandResult Heapctl(std::vector<std::string> args) {
    args.push_back(server_flag_);
    absl::StatusOr<CommandResult> result = RunHeapctl(args);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : CommandResult();
  }

  // Runs heapctl expecting success; its stdout.
  std::string Ok(std::vector<std::string> args) {
    const std::string shown = absl::StrJoin(args, " ");
    CommandResult result = Heapctl(std::move(args));
    EXPECT_EQ(result.exit_code, 0) << shown << "\n" << result.err;
    return result.out;
  }

  // `heapctl session open`'s session id.
  std::string OpenSessionThroughHeapctl() {
    return std::string(absl::StripTrailingAsciiWhitespace(
        Ok({"session", "open", "--ttl=60s"})));
  }

  std::string server_flag_;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_CLIENT_HEAPCTL_FIXTURE_H_
