// TerminalSession: puts the terminal in the state a full-screen view needs
// and gives it back, whatever way the view ends.
//
// While it lives, and only where the file descriptors are terminals: stdin
// is in raw mode (keys arrive one at a time without Enter and are not
// echoed; Ctrl-C still raises SIGINT), output goes to the alternate screen
// with the cursor hidden. SIGINT and SIGTERM set a flag (interrupted())
// instead of killing the process, so the destructor always runs and
// restores the saved termios, the cursor and the main screen.
//
// One at a time per process (the signal flag is process-wide). Not
// thread-safe.
//
// Example:
//   TerminalSession terminal(STDIN_FILENO, STDOUT_FILENO);
//   while (!terminal.interrupted()) {
//     draw();
//     if (terminal.WaitForKey(absl::Seconds(1)) == 'q') break;
//   }
#ifndef HEAPD_CLIENT_HEAPCTL_TERMINAL_H_
#define HEAPD_CLIENT_HEAPCTL_TERMINAL_H_

#include <signal.h>
#include <termios.h>

#include <optional>

#include "absl/time/time.h"

namespace heapd::heapctl {

class TerminalSession {
 public:
  TerminalSession(int input_fd, int output_fd);
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  // Waits up to `timeout` for a key; returns it, or nullopt on timeout, a
  // signal or when input is not a terminal (then it just sleeps).
  std::optional<char> WaitForKey(absl::Duration timeout);

  // Whether SIGINT or SIGTERM arrived.
  bool interrupted() const;

  // The terminal's size, 80x24 when it cannot say.
  int columns() const;
  int rows() const;

 private:
  void Write(const char* text);

  const int input_fd_;
  const int output_fd_;
  bool raw_input_ = false;
  bool screen_ = false;
  termios saved_{};
  struct sigaction saved_int_ {};
  struct sigaction saved_term_ {};
};

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_TERMINAL_H_
