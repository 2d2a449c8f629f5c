// Runs the heapctl binary (//client/heapctl:heapctl, in the test's data) as
// a test's child process: with pipes (RunHeapctl, a HeapdProcess like any
// other program a test starts) or on a pseudo-terminal (PtyChild), every
// wait bounded.
//
// Example:
//   absl::StatusOr<CommandResult> result =
//       RunHeapctl({"ping", "--server=" + address});
//   ASSERT_TRUE(result.ok()) << result.status();
//   EXPECT_EQ(result->exit_code, 0) << result->err;
#ifndef HEAPD_TESTS_CLIENT_HEAPCTL_RUNNER_H_
#define HEAPD_TESTS_CLIENT_HEAPCTL_RUNNER_H_

#include <sys/types.h>
#include <termios.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace heapd {

// $TEST_SRCDIR/$TEST_WORKSPACE/client/heapctl; NOT_FOUND outside bazel test.
absl::StatusOr<std::string> HeapctlPath();

struct CommandResult {
  // The exit code, or 128 + the signal that killed it.
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs heapctl with `args`, stdin from /dev/null; DEADLINE_EXCEEDED (after
// killing it) if it runs longer than `timeout`.
absl::StatusOr<CommandResult> RunHeapctl(
    const std::vector<std::string>& args,
    absl::Duration timeout = absl::Seconds(60));

// heapctl on a pseudo-terminal (80x24 unless told), as a person would run
// it. The test keeps the terminal's slave side open, so it can read the
// terminal's modes after heapctl has exited. The destructor kills a child
// still running.
class PtyChild {
 public:
  static absl::StatusOr<std::unique_ptr<PtyChild>> Start(
      const std::vector<std::string>& args, int columns = 80, int rows = 24);
  ~PtyChild();
  PtyChild(const PtyChild&) = delete;
  PtyChild& operator=(const PtyChild&) = delete;

  // Reads the terminal until `text` has appeared `times` times in all
  // output so far; DEADLINE_EXCEEDED after `timeout`.
  absl::Status WaitForOutput(absl::string_view text, int times,
                             absl::Duration timeout);
  // Reads the terminal until `done(output())` holds; DEADLINE_EXCEEDED
  // after `timeout`.
  absl::Status WaitUntil(const std::function<bool(const std::string&)>& done,
                         absl::Duration timeout);
  // Types `keys` on the terminal.
  void Type(absl::string_view keys);
  // Gives the terminal a new size and sends heapctl SIGWINCH, as a
  // terminal emulator does when its window is resized.
  void Resize(int columns, int rows);
  void Signal(int signal);
  // Waits for exit, reading output meanwhile; returns the exit code (128 +
  // signal if killed).
  absl::StatusOr<int> WaitForExit(absl::Duration timeout);

  const std::string& output() const { return output_; }
  // The terminal's current modes.
  absl::StatusOr<termios> Modes() const;

 private:
  PtyChild(pid_t pid, int master, int slave)
      : pid_(pid), master_(master), slave_(slave) {}
  // Reads what is available within `timeout`.
  void Pump(absl::Duration timeout);

  pid_t pid_;
  int master_;
  int slave_;
  bool reaped_ = false;
  std::string output_;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_CLIENT_HEAPCTL_RUNNER_H_
