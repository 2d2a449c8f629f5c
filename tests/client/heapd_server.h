// HeapdServer: a real heapd on 127.0.0.1 with a free port, for the tests of
// the client library and heapctl.
//
// Start launches //server:heapd (from the test's runfiles) with
// --listen=127.0.0.1:0 and `flags`, waits for its "heapd listening on" line
// and keeps the address. Stop sends SIGTERM and returns an error unless heapd
// exited 0 (so a sanitizer report or an unclean shutdown fails the test); the
// destructor kills a server still running. Every wait is bounded.
//
// Example:
//   absl::StatusOr<std::unique_ptr<HeapdServer>> server =
//       HeapdServer::Start({"--stats_publish_interval_ms=0"});
//   ASSERT_TRUE(server.ok()) << server.status();
//   ClientOptions options;
//   options.address = (*server)->address();
//   ...
//   EXPECT_TRUE((*server)->Stop().ok());
//
// Not thread-safe: one test thread drives it.
#ifndef HEAPD_TESTS_CLIENT_HEAPD_SERVER_H_
#define HEAPD_TESTS_CLIENT_HEAPD_SERVER_H_

#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tests/heapd_process.h"

namespace heapd {

class HeapdServer {
 public:
  static absl::StatusOr<std::unique_ptr<HeapdServer>> Start(
      std::vector<std::string> flags) {
    flags.insert(flags.begin(), "--listen=127.0.0.1:0");
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start(flags);
    if (!process.ok()) return process.status();
    absl::StatusOr<std::string> address =
        (*process)->WaitForLine("heapd listening on ", absl::Seconds(60));
    if (!address.ok()) return address.status();
    if (!absl::StartsWith(*address, "127.0.0.1:")) {
      return absl::InternalError(absl::StrCat("heapd listens on ", *address));
    }
    return std::unique_ptr<HeapdServer>(
        new HeapdServer(std::move(*process), *address));
  }

  // host:port, e.g. "127.0.0.1:40123".
  const std::string& address() const { return address_; }
  HeapdProcess& process() { return *process_; }

  absl::Status Stop() {
    process_->Signal(SIGTERM);
    absl::StatusOr<int> status = process_->WaitForExit(absl::Seconds(30));
    if (!status.ok()) return status.status();
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
      return absl::InternalError(absl::StrCat("heapd ended with wait status ",
                                              *status, "\n",
                                              process_->stderr_text()));
    }
    return absl::OkStatus();
  }

 private:
  HeapdServer(std::unique_ptr<HeapdProcess> process, std::string address)
      : process_(std::move(process)), address_(std::move(address)) {}

  std::unique_ptr<HeapdProcess> process_;
  std::string address_;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_CLIENT_HEAPD_SERVER_H_
