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
#include "tests/heapd_process.h"

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

}  // namespace

absl::StatusOr<std::string> HeapctlPath() {
  return HeapdProcess::RunfilePath("client/heapctl/heapctl");
}

absl::StatusOr<CommandResult> RunHeapctl(const std::vector<std::string>& args,
                                         absl::Duration timeout) {
  absl::StatusOr<std::string> path = HeapctlPath();
  if (!path.ok()) return path.status();
  absl::StatusOr<std::unique_ptr<HeapdProcess>> heapctl =
      HeapdProcess::StartProgram(*path, args);
  if (!heapctl.ok()) return heapctl.status();
  // On a timeout the process's destructor kills heapctl.
  const absl::StatusOr<int> status = (*heapctl)->WaitForExit(timeout);
  if (!status.ok()) {
    return absl::Status(
        status.status().code(),
        absl::StrCat("heapctl did not finish: ", status.status().message()));
  }
  CommandResult result;
  result.exit_code = ExitCode(*status);
  result.out = (*heapctl)->stdout_text();
  result.err = (*heapctl)->stderr_text();
  return result;
}

absl::StatusOr<std::unique_ptr<PtyChild>> PtyChild::Start(
    const std::vector<std::string>& args, int columns, int rows) {
  absl::StatusOr<std::string> path = HeapctlPath();
  if (!path.ok()) return path.status();
  int master = -1, slave = -1;
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(columns);
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

absl::Status PtyChild::WaitUntil(
    const std::function<bool(const std::string&)>& done,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done(output_)) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("heapctl did not get there; output:\n", output_));
    }
    Pump(absl::Milliseconds(50));
  }
  return absl::OkStatus();
}

void PtyChild::Resize(int columns, int rows) {
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(columns);
  // The kernel sends SIGWINCH to the terminal's foreground process group,
  // which is heapctl's (forkpty made it the session leader). One signal per
  // resize, so one redraw: a second kill() here would race the first and
  // sometimes draw twice.
  ioctl(slave_, TIOCSWINSZ, &size);
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
