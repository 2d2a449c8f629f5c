// TerminalSession: puts the terminal in the state a full-screen view needs
// and gives it back, whatever way the view ends.
//
// While it lives, and only where the file descriptors are terminals: stdin
// is in raw mode (keys arrive one at a time without Enter and are not
// echoed; Ctrl-C still raises SIGINT), output goes to the alternate screen
// with the cursor hidden. SIGINT and SIGTERM set a flag (interrupted())
// instead of killing the process, so the destructor always runs and
// restores the saved termios, the cursor and the main screen. SIGWINCH
// (the terminal was resized) makes Wait return kResize.
//
// The signal handlers only set atomic flags and write a byte to a pipe
// that Wait polls beside stdin (both async-signal-safe), so a signal is
// never lost between a check and the wait.
//
// One at a time per process (the signal state is process-wide). Not
// thread-safe.
//
// Example:
//   TerminalSession terminal(STDIN_FILENO, STDOUT_FILENO);
//   while (true) {
//     draw(terminal.size());
//     const TerminalSession::Event event = terminal.Wait(absl::Seconds(1));
//     if (event.kind == TerminalSession::kInterrupt) break;
//     if (event.kind == TerminalSession::kKey && event.key == 'q') break;
//   }
#ifndef HEAPD_CLIENT_HEAPCTL_TERMINAL_H_
#define HEAPD_CLIENT_HEAPCTL_TERMINAL_H_

#include <signal.h>
#include <termios.h>

#include "absl/time/time.h"

namespace heapd::heapctl {

class TerminalSession {
 public:
  enum EventKind { kTimeout, kKey, kResize, kInterrupt };
  struct Event {
    EventKind kind = kTimeout;
    // The key typed, for kKey.
    char key = 0;
  };

  TerminalSession(int input_fd, int output_fd);
  ~TerminalSession();
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

  // Waits up to `timeout` for the first of: a key (when input is a
  // terminal), a resize, SIGINT/SIGTERM. kInterrupt is returned at once,
  // and again on every later call, once a SIGINT or SIGTERM arrived.
  Event Wait(absl::Duration timeout);

  // Whether SIGINT or SIGTERM arrived.
  bool interrupted() const;

  // The terminal's size now (of output, else of input), 80x24 when neither
  // is a terminal.
  struct Size {
    int columns = 80;
    int rows = 24;
  };
  Size size() const;

 private:
  void Write(const char* text);

  const int input_fd_;
  const int output_fd_;
  bool raw_input_ = false;
  bool screen_ = false;
  // The pipe the signal handlers write to: [0] is polled, [1] written.
  int wake_[2] = {-1, -1};
  termios saved_{};
  struct sigaction saved_int_ {};
  struct sigaction saved_term_ {};
  struct sigaction saved_winch_ {};
};

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_TERMINAL_H_
