#include "server/mutex.h"

#include <chrono>
#include <thread>

#include "gtest/gtest.h"

namespace heapd::server {
namespace {

// A thread that sets *ready under *mu, then wakes one waiter of *changed.
std::thread SetAndSignal(Mutex* mu, CondVar* changed, bool* ready) {
  return std::thread([=] {
    {
      MutexLock lock(mu);
      *ready = true;
    }
    changed->Signal();
  });
}

TEST(MutexTest, WaitReturnsOnceSignalledWithTheMutexHeld) {
  Mutex mu;
  CondVar changed;
  bool ready = false;
  std::thread signaller = SetAndSignal(&mu, &changed, &ready);
  {
    MutexLock lock(&mu);
    while (!ready) changed.Wait(&mu);
    EXPECT_TRUE(ready);
  }
  signaller.join();
}

TEST(MutexTest, WaitUntilTimesOutAtItsDeadline) {
  Mutex mu;
  CondVar never_signalled;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  MutexLock lock(&mu);
  bool timed_out = false;
  while (!timed_out) timed_out = never_signalled.WaitUntil(&mu, deadline);
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
}

TEST(MutexTest, WaitUntilReportsAWakeBeforeTheDeadline) {
  Mutex mu;
  CondVar changed;
  bool ready = false;
  std::thread signaller = SetAndSignal(&mu, &changed, &ready);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  {
    MutexLock lock(&mu);
    bool timed_out = false;
    while (!ready && !timed_out) timed_out = changed.WaitUntil(&mu, deadline);
    EXPECT_FALSE(timed_out);
    EXPECT_TRUE(ready);
  }
  signaller.join();
}

}  // namespace
}  // namespace heapd::server
