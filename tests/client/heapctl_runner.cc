#include "tests/client/heapctl_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace heapd {
namespace {

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::vector<char*> Argv(const std::string& path,
                        const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  return argv;
}

// Appends what `fd` has to `out`; false at end of file or error.
bool ReadSome(int fd, std::string* out) {
  char buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof(buffer));
  if (n > 0) {
    out->append(buffer, static_cast<size_t>(n));
    return true;
  }
  return n < 0 && (errno == EINTR || errno == EAGAIN);
}

}  // namespace

absl::StatusOr<std::string> HeapctlPath() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) {
    return absl::NotFoundError("TEST_SRCDIR/TEST_WORKSPACE are not set");
  }
  return absl::StrCat(srcdir, "/", workspace, "/client/heapctl/heapctl");
}

absl::StatusOr<CommandResult> RunHeapctl(const std::vector<std::string>& args,
                                         absl::Duration timeout) {
  absl::StatusOr<std::string> path = HeapctlPath();
  if (!path.ok()) return path.status();
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe failed");
  }
  std::vector<char*> argv = Argv(*path, args);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  const absl::Time deadline = absl::Now() + timeout;
  int open_fds = 2;
  while (open_fds > 0) {
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
      close(out_pipe[0]);
      close(err_pipe[0]);
      return absl::DeadlineExceededError(
          absl::StrCat("heapctl did not finish; stdout so far:\n", result.out,
                       "\nstderr:\n", result.err));
    }
    if (poll(fds, 2, static_cast<int>(left)) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      if (!ReadSome(fds[i].fd, sinks[i])) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = ExitCode(status);
  return result;
}

absl::StatusOr<std::unique_ptr<PtyChild>> PtyChild::Start(
    const std::vector<std::string>& args) {
  absl::StatusOr<std::string> path = HeapctlPath();
  if (!path.ok()) return path.status();
  int master = -1, slave = -1;
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 80;
  if (openpty(&master, &slave, nullptr, nullptr, &size) != 0) {
    return absl::InternalError(absl::StrCat("openpty: ", errno));
  }
  std::vector<char*> argv = Argv(*path, args);
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // A session of its own with the pty as controlling terminal, as a shell
    // would start it, so that Ctrl-C and termios behave as for a person.
    setsid();
    ioctl(slave, TIOCSCTTY, 0);
    dup2(slave, STDIN_FILENO);
    dup2(slave, STDOUT_FILENO);
    dup2(slave, STDERR_FILENO);
    close(master);
    if (slave > STDERR_FILENO) close(slave);
    execv(argv[0], argv.data());
    _exit(127);
  }
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  return std::unique_ptr<PtyChild>(new PtyChild(pid, master, slave));
}

PtyChild::~PtyChild() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  close(master_);
  close(slave_);
}

void PtyChild::Pump(absl::Duration timeout) {
  pollfd fd{master_, POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) <= 0) {
    return;
  }
  // The master is non-blocking: read until it has nothing more.
  char buffer[4096];
  ssize_t n;
  while ((n = read(master_, buffer, sizeof(buffer))) > 0) {
    output_.append(buffer, static_cast<size_t>(n));
  }
}

absl::Status PtyChild::WaitForOutput(absl::string_view text, int times,
                                     absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string wanted(text);
  while (true) {
    int found = 0;
    for (size_t at = output_.find(wanted); at != std::string::npos;
         at = output_.find(wanted, at + 1)) {
      ++found;
    }
    if (found >= times) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("saw '", text, "' ", found, " of ", times,
                       " times; output:\n", output_));
    }
    Pump(absl::Milliseconds(50));
  }
}

void PtyChild::Type(absl::string_view keys) {
  (void)!write(master_, keys.data(), keys.size());
}

void PtyChild::Signal(int signal) { kill(pid_, signal); }

absl::StatusOr<int> PtyChild::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      Pump(absl::ZeroDuration());
      return ExitCode(status);
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("heapctl still runs; output:\n", output_));
    }
    Pump(absl::Milliseconds(20));
  }
}

absl::StatusOr<termios> PtyChild::Modes() const {
  termios modes{};
  if (tcgetattr(slave_, &modes) != 0) {
    return absl::InternalError(absl::StrCat("tcgetattr: ", errno));
  }
  return modes;
}

}  // namespace heapd
