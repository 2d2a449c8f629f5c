#include "server/shutdown_signal.h"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>

namespace heapd::server {
namespace {

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  const sigset_t set = ShutdownSignals();
  // Only fails for an invalid `how`; nothing sensible to do but stop.
  if (pthread_sigmask(SIG_BLOCK, &set, nullptr) != 0) std::abort();
}

int WaitForShutdownSignal() {
  const sigset_t set = ShutdownSignals();
  int signal = 0;
  // sigwait fails only for an invalid set (glibc retries EINTR itself): a
  // bug, and without it the process could never be stopped cleanly.
  if (sigwait(&set, &signal) != 0) std::abort();
  return signal;
}

}  // namespace heapd::server
