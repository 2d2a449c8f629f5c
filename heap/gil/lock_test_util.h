// What the interpreter lock's tests share: a watchdog against deadlocks,
// bounded waits for another thread to reach a state, and opaque work.
#ifndef HEAPD_HEAP_GIL_LOCK_TEST_UTIL_H_
#define HEAPD_HEAP_GIL_LOCK_TEST_UTIL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "heap/gil/interpreter_lock.h"

namespace heapd::gil {

// Aborts the test binary if the current test runs for longer than `limit`,
// so that a deadlock fails with a message instead of hanging.
class Watchdog {
 public:
  explicit Watchdog(absl::Duration limit = absl::Seconds(40))
      : thread_([this, limit] {
          std::unique_lock<std::mutex> guard(mu_);
          if (!cv_.wait_for(
                  guard,
                  std::chrono::milliseconds(absl::ToInt64Milliseconds(limit)),
                  [this] { return done_; })) {
            const auto* test =
                testing::UnitTest::GetInstance()->current_test_info();
            std::fprintf(stderr, "watchdog: %s.%s still running after %s\n",
                         test->test_suite_name(), test->name(),
                         absl::FormatDuration(limit).c_str());
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Polls `condition` until it holds. If it still does not after `timeout`,
// fails the test binary at once (with `what`), rather than hang -- or return
// early from a test that holds the lock, which the thread safety analysis
// rightly rejects.
inline void AwaitOrDie(const std::function<bool()>& condition, const char* what,
                       absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) {
      std::fprintf(stderr, "timed out after %s waiting for %s\n",
                   absl::FormatDuration(timeout).c_str(), what);
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
}

// Work the compiler cannot remove: `n` trips of an opaque loop.
inline void Spin(int n) {
  for (int i = 0; i < n; ++i) asm volatile("");
}

inline void AwaitWaiters(const InterpreterLock& lock, uint64_t n) {
  AwaitOrDie([&] { return lock.Stats().waiters_current >= n; },
             "threads to wait for the lock");
}

inline void AwaitDropRequest(const InterpreterLock& lock) {
  AwaitOrDie([&] { return lock.drop_requested(); }, "a drop request");
}

}  // namespace heapd::gil

#endif  // HEAPD_HEAP_GIL_LOCK_TEST_UTIL_H_
