#include "tests/heapd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace heapd {
namespace {

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

void CloseFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

absl::StatusOr<std::string> HeapdProcess::BinaryPath() {
  return RunfilePath("server/heapd");
}

absl::StatusOr<std::string> HeapdProcess::RunfilePath(
    absl::string_view relative) {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    return absl::NotFoundError(
        "TEST_SRCDIR/TEST_WORKSPACE are not set: run under `bazel test`");
  }
  std::string path = absl::StrCat(srcdir, "/", workspace, "/", relative);
  if (access(path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(path, " is not executable; is //",
                                            relative, " in the test's data?"));
  }
  return path;
}

absl::StatusOr<std::unique_ptr<HeapdProcess>> HeapdProcess::Start(
    const std::vector<std::string>& flags) {
  absl::StatusOr<std::string> binary = BinaryPath();
  if (!binary.ok()) return binary.status();
  // Unless a test chooses, no metrics listener: tests run side by side and
  // would share its default port, and only the metrics tests read it.
  std::vector<std::string> all = flags;
  if (std::none_of(flags.begin(), flags.end(), [](const std::string& flag) {
        return flag.rfind("--http_listen", 0) == 0;
      })) {
    all.insert(all.begin(), "--http_listen=");
  }
  return StartProgram(*binary, all);
}

absl::StatusOr<std::unique_ptr<HeapdProcess>> HeapdProcess::StartProgram(
    std::string path, const std::vector<std::string>& flags) {
  // O_CLOEXEC keeps these pipes out of any other child spawned meanwhile;
  // dup2 onto 1 and 2 clears the flag for heapd's own copies.
  int out[2];
  int err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Errno("pipe2");
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return Errno("pipe2");
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);

  // Whatever the test runner blocked or ignored, heapd starts with the
  // shutdown signals at their defaults, as from a shell.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv;
  argv.push_back(path.data());
  std::vector<std::string> args = flags;  // argv wants non-const char*
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, path.c_str(), &actions, &attributes,
                                  argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  // The child has its copies of the write ends; ours must go, or reading
  // would never see EOF when the child exits.
  close(out[1]);
  close(err[1]);
  if (spawned != 0) {
    close(out[0]);
    close(err[0]);
    return absl::InternalError(
        absl::StrCat("posix_spawn ", path, ": ", std::strerror(spawned)));
  }
  const size_t slash = path.rfind('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return std::unique_ptr<HeapdProcess>(
      new HeapdProcess(std::move(name), pid, out[0], err[0]));
}

HeapdProcess::HeapdProcess(std::string name, pid_t pid, int stdout_fd,
                           int stderr_fd)
    : name_(std::move(name)), pid_(pid) {
  stdout_.fd = stdout_fd;
  stderr_.fd = stderr_fd;
}

HeapdProcess::~HeapdProcess() {
  if (!wait_status_.has_value()) {
    // SIGKILL cannot be caught, so the blocking wait below is bounded.
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  CloseFd(stdout_.fd);
  CloseFd(stderr_.fd);
}

void HeapdProcess::Pump(absl::Duration timeout) {
  pollfd fds[2];
  Stream* streams[2];
  nfds_t count = 0;
  for (Stream* stream : {&stdout_, &stderr_}) {
    if (stream->fd < 0) continue;
    fds[count] = {stream->fd, POLLIN, 0};
    streams[count] = stream;
    ++count;
  }
  if (count == 0) return;
  const int millis = static_cast<int>(
      absl::ToInt64Milliseconds(std::max(timeout, absl::ZeroDuration())));
  if (poll(fds, count, millis) <= 0) return;  // timeout, or EINTR: retry
  for (nfds_t i = 0; i < count; ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char buffer[4096];
    const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
    if (n > 0) {
      streams[i]->text.append(buffer, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      CloseFd(streams[i]->fd);  // EOF: the child closed its end, or exited
    }
  }
}

absl::StatusOr<std::string> HeapdProcess::WaitForLine(absl::string_view prefix,
                                                      absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Examine every complete line not yet consumed.
    size_t end;
    while ((end = stdout_.text.find('\n', next_line_)) != std::string::npos) {
      const absl::string_view line =
          absl::string_view(stdout_.text).substr(next_line_, end - next_line_);
      next_line_ = end + 1;
      if (absl::StartsWith(line, prefix)) {
        return std::string(line.substr(prefix.size()));
      }
    }
    if (stdout_.fd < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(name_, " closed stdout before printing '", prefix, "'. ",
                       Describe()));
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("no line starting with '", prefix, "' within ",
                       absl::FormatDuration(timeout), ". ", Describe()));
    }
    Pump(left);
  }
}

void HeapdProcess::Signal(int signal) {
  if (!wait_status_.has_value()) kill(pid_, signal);
}

absl::StatusOr<int> HeapdProcess::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!wait_status_.has_value()) {
    int status = 0;
    const pid_t reaped = waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      wait_status_ = status;
      break;
    }
    if (reaped < 0 && errno != EINTR) return Errno("waitpid");
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " still running after ",
                       absl::FormatDuration(timeout), ". ", Describe()));
    }
    // Drain output while waiting, so a child blocked on a full pipe can
    // finish; the short slice bounds how late the exit is noticed.
    if (stdout_.fd >= 0 || stderr_.fd >= 0) {
      Pump(absl::Milliseconds(20));
    } else {
      absl::SleepFor(absl::Milliseconds(20));
    }
  }
  // The child is gone, so the pipes hit EOF as soon as they are drained
  // (O_CLOEXEC kept them from other children). Bounded all the same: a
  // grandchild holding them must not hang the test.
  const absl::Time drained_by = absl::Now() + absl::Seconds(5);
  while ((stdout_.fd >= 0 || stderr_.fd >= 0) && absl::Now() < drained_by) {
    Pump(drained_by - absl::Now());
  }
  return *wait_status_;
}

std::string HeapdProcess::Describe() const {
  return absl::StrCat(name_, " stdout:\n", stdout_.text, "\n", name_,
                      " stderr:\n", stderr_.text);
}

}  // namespace heapd
