#include "client/heapctl/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/time/clock.h"

namespace heapd::heapctl {
namespace {

// Process-wide: a signal handler can reach nothing else. Lock-free atomics
// are async-signal-safe.
std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_resized{false};
std::atomic<int> g_wake_fd{-1};

// Wakes Wait's poll. write() is async-signal-safe; errno is saved because
// the handler may interrupt code about to read it. A full pipe already
// holds a wake-up, so a failed write loses nothing.
void Wake() {
  const int saved_errno = errno;
  const int fd = g_wake_fd.load();
  if (fd >= 0) (void)!write(fd, "x", 1);
  errno = saved_errno;
}

void OnInterrupt(int) {
  g_interrupted.store(true);
  Wake();
}

void OnResize(int) {
  g_resized.store(true);
  Wake();
}

void Install(int signal, void (*handler)(int), struct sigaction* saved) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: the pipe, not EINTR, is what wakes the wait, and other
  // system calls (gRPC's) are best not interrupted.
  action.sa_flags = SA_RESTART;
  sigaction(signal, &action, saved);
}

}  // namespace

TerminalSession::TerminalSession(int input_fd, int output_fd)
    : input_fd_(input_fd), output_fd_(output_fd) {
  g_interrupted.store(false);
  g_resized.store(false);
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) == 0) {
    g_wake_fd.store(wake_[1]);
  } else {
    wake_[0] = wake_[1] = -1;
  }
  Install(SIGINT, OnInterrupt, &saved_int_);
  Install(SIGTERM, OnInterrupt, &saved_term_);
  Install(SIGWINCH, OnResize, &saved_winch_);

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
  sigaction(SIGWINCH, &saved_winch_, nullptr);
  // No handler of ours runs any more: the pipe can go.
  g_wake_fd.store(-1);
  for (int fd : wake_) {
    if (fd >= 0) close(fd);
  }
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

TerminalSession::Event TerminalSession::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Drain the wake-ups first: the flags say what they were for.
    char drained[64];
    while (wake_[0] >= 0 && read(wake_[0], drained, sizeof(drained)) > 0) {
    }
    if (interrupted()) return {kInterrupt};
    if (g_resized.exchange(false)) return {kResize};
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return {kTimeout};

    pollfd fds[2];
    int count = 0;
    if (wake_[0] >= 0) fds[count++] = {wake_[0], POLLIN, 0};
    const int key_index = raw_input_ ? count : -1;
    if (raw_input_) fds[count++] = {input_fd_, POLLIN, 0};
    // Without a pipe, wait in slices so a signal's flag is seen soon.
    const absl::Duration slice =
        wake_[0] >= 0 ? left : std::min(left, absl::Milliseconds(50));
    const int ready = poll(
        fds, count, static_cast<int>(absl::ToInt64Milliseconds(slice)) + 1);
    if (ready < 0 && errno != EINTR) return {kTimeout};
    if (ready <= 0 || key_index < 0) continue;
    if ((fds[key_index].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char key = 0;
    const ssize_t n = read(input_fd_, &key, 1);
    if (n == 1) return {kKey, key};
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
      // End of input: nothing more will come; wait out the time.
      raw_input_ = false;
    }
  }
}

bool TerminalSession::interrupted() const { return g_interrupted.load(); }

TerminalSession::Size TerminalSession::size() const {
  for (int fd : {output_fd_, input_fd_}) {
    winsize size{};
    if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 &&
        size.ws_row > 0) {
      return {size.ws_col, size.ws_row};
    }
  }
  return {};
}

}  // namespace heapd::heapctl
