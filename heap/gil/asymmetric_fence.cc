#include "heap/gil/asymmetric_fence.h"

#include <cstdio>
#include <cstdlib>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace heapd::gil {

std::atomic<bool> AsymmetricFence::expedited_{false};

namespace {

#if defined(__linux__) && defined(__NR_membarrier)
long Membarrier(int cmd) { return syscall(__NR_membarrier, cmd, 0, 0); }

bool RegisterExpedited() {
  const long supported = Membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 ||
      (supported & MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0) {
    return false;
  }
  return Membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}
#else
bool RegisterExpedited() { return false; }
#endif

}  // namespace

void AsymmetricFence::Init() {
  // Registration must be complete before any thread relies on Light() being
  // a mere compiler barrier, hence the static: the flag turns on only once,
  // after the kernel accepted the registration.
  static const bool registered = [] {
    const bool ok = RegisterExpedited();
    if (ok) expedited_.store(true, std::memory_order_seq_cst);
    return ok;
  }();
  (void)registered;
}

void AsymmetricFence::Heavy() {
  if (expedited_.load(std::memory_order_relaxed)) {
#if defined(__linux__) && defined(__NR_membarrier)
    if (Membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return;
    // Registered, so this cannot fail; if it somehow does, every Light()
    // elsewhere would be unsound.
    std::fprintf(stderr, "membarrier(PRIVATE_EXPEDITED) failed\n");
    std::abort();
#endif
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

}  // namespace heapd::gil
