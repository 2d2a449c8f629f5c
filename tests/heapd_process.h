// HeapdProcess: the real heapd binary running as a child of a test.
//
// Start spawns it with the given flags, its stdout and stderr on pipes the
// test reads. Every wait takes a timeout, so a test never hangs on a server
// that does not start, answer or stop; the destructor kills (SIGKILL) and
// reaps a child that is still running, so no test leaves a server behind,
// whatever assertion failed.
//
// Example:
//   auto heapd = HeapdProcess::Start({"--listen=127.0.0.1:0"});
//   ASSERT_TRUE(heapd.ok()) << heapd.status();
//   absl::StatusOr<std::string> address =
//       (*heapd)->WaitForLine("heapd listening on ", absl::Seconds(30));
//   ...
//   (*heapd)->Signal(SIGTERM);
//   absl::StatusOr<int> status = (*heapd)->WaitForExit(absl::Seconds(30));
//
// Not thread-safe: one test thread drives one process.
#ifndef HEAPD_TESTS_HEAPD_PROCESS_H_
#define HEAPD_TESTS_HEAPD_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace heapd {

class HeapdProcess {
 public:
  // The heapd binary in the test's runfiles:
  // $TEST_SRCDIR/$TEST_WORKSPACE/server/heapd. NOT_FOUND outside `bazel test`.
  static absl::StatusOr<std::string> BinaryPath();

  // Spawns BinaryPath() with `flags` (and --http_listen=, no metrics, unless
  // they set --http_listen). The child inherits the environment (so
  // sanitizer options reach it) with SIGINT and SIGTERM at their defaults.
  static absl::StatusOr<std::unique_ptr<HeapdProcess>> Start(
      const std::vector<std::string>& flags);

  // Another program of the test's runfiles (a client, say) run the same
  // way: RunfilePath("tests/vanishing_client") for //tests:vanishing_client.
  static absl::StatusOr<std::string> RunfilePath(absl::string_view relative);
  static absl::StatusOr<std::unique_ptr<HeapdProcess>> StartProgram(
      std::string path, const std::vector<std::string>& args);

  ~HeapdProcess();
  HeapdProcess(const HeapdProcess&) = delete;
  HeapdProcess& operator=(const HeapdProcess&) = delete;

  // Reads stdout until a whole line starting with `prefix` arrives and
  // returns the rest of that line. Lines already returned are not searched
  // again. DEADLINE_EXCEEDED after `timeout`; FAILED_PRECONDITION if the
  // child closed stdout (exited) first. Errors quote the child's stderr.
  absl::StatusOr<std::string> WaitForLine(absl::string_view prefix,
                                          absl::Duration timeout);

  // Sends `signal` to the child. REQUIRES: it has not been reaped.
  void Signal(int signal);

  // Waits for the child to exit and returns its wait status (use WIFEXITED
  // and friends), draining its output meanwhile. DEADLINE_EXCEEDED if it is
  // still running after `timeout`.
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);

  // Everything read from the child so far.
  const std::string& stdout_text() const { return stdout_.text; }
  const std::string& stderr_text() const { return stderr_.text; }

 private:
  // One of the child's output pipes and what was read from it.
  struct Stream {
    int fd = -1;  // -1 once EOF was read
    std::string text;
  };

  HeapdProcess(std::string name, pid_t pid, int stdout_fd, int stderr_fd);

  // Waits up to `timeout` for output, then reads what is available into the
  // streams. Returns at once when both pipes are closed.
  void Pump(absl::Duration timeout);
  std::string Describe() const;

  // The program's file name ("heapd", "heapctl"), for messages.
  std::string name_;
  pid_t pid_;
  // Set once the child was reaped; its wait status.
  std::optional<int> wait_status_;
  Stream stdout_;
  Stream stderr_;
  // Where WaitForLine continues looking in stdout_.text.
  size_t next_line_ = 0;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_HEAPD_PROCESS_H_
