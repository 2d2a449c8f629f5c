#include "client/heapctl/terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/time/clock.h"

namespace heapd::heapctl {
namespace {

// Process-wide: a signal handler can reach nothing else.
std::atomic<bool> g_interrupted{false};

void OnSignal(int) { g_interrupted.store(true); }

}  // namespace

TerminalSession::TerminalSession(int input_fd, int output_fd)
    : input_fd_(input_fd), output_fd_(output_fd) {
  g_interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a signal must wake poll() so the loop can end.
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &saved_int_);
  sigaction(SIGTERM, &action, &saved_term_);

  if (isatty(input_fd_) && tcgetattr(input_fd_, &saved_) == 0) {
    termios raw = saved_;
    // Keys one at a time, not echoed; ISIG stays on so Ctrl-C is SIGINT.
    raw.c_lflag &= ~(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    raw_input_ = tcsetattr(input_fd_, TCSAFLUSH, &raw) == 0;
  }
  if (isatty(output_fd_)) {
    screen_ = true;
    // The alternate screen, cursor hidden, cleared.
    Write("\x1b[?1049h\x1b[?25l\x1b[2J");
  }
}

TerminalSession::~TerminalSession() {
  if (screen_) Write("\x1b[?25h\x1b[?1049l");
  if (raw_input_) tcsetattr(input_fd_, TCSAFLUSH, &saved_);
  sigaction(SIGINT, &saved_int_, nullptr);
  sigaction(SIGTERM, &saved_term_, nullptr);
}

void TerminalSession::Write(const char* text) {
  size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t written = write(output_fd_, text, left);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    left -= static_cast<size_t>(written);
  }
}

std::optional<char> TerminalSession::WaitForKey(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!interrupted()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return std::nullopt;
    if (!raw_input_) {
      // Not a terminal (a script): nothing to read, just wait, in slices
      // so that a signal ends the wait soon.
      absl::SleepFor(std::min(left, absl::Milliseconds(50)));
      continue;
    }
    pollfd fd{input_fd_, POLLIN, 0};
    const int ready =
        poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (ready == 0) continue;
    char key = 0;
    const ssize_t n = read(input_fd_, &key, 1);
    if (n == 1) return key;
    if (n == 0) {
      // End of input: nothing more will come; wait out the interval.
      raw_input_ = false;
    }
  }
  return std::nullopt;
}

bool TerminalSession::interrupted() const { return g_interrupted.load(); }

int TerminalSession::columns() const {
  winsize size{};
  if (ioctl(output_fd_, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    return size.ws_col;
  }
  return 80;
}

int TerminalSession::rows() const {
  winsize size{};
  if (ioctl(output_fd_, TIOCGWINSZ, &size) == 0 && size.ws_row > 0) {
    return size.ws_row;
  }
  return 24;
}

}  // namespace heapd::heapctl
