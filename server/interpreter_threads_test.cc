#include "server/interpreter_threads.h"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/mutex.h"

namespace heapd::server {
namespace {

TEST(InterpreterThreadsTest, RunsEveryTaskOnItsThreads) {
  std::atomic<int> ran{0};
  Mutex mu;
  std::set<std::thread::id> seen;
  {
    InterpreterThreads threads(4);
    EXPECT_EQ(threads.size(), 4);
    for (int i = 0; i < 1000; ++i) {
      threads.Submit([&] {
        {
          MutexLock lock(&mu);
          seen.insert(std::this_thread::get_id());
        }
        ++ran;
      });
    }
  }  // the destructor drains the queue
  EXPECT_EQ(ran.load(), 1000);
  EXPECT_LE(seen.size(), 4u);
  EXPECT_EQ(seen.count(std::this_thread::get_id()), 0u);
}

// With every thread busy, tasks wait in order of submission.
TEST(InterpreterThreadsTest, QueuesFirstComeFirstServed) {
  InterpreterThreads threads(1);
  Mutex gate;
  gate.Lock();
  threads.Submit([&] { MutexLock wait(&gate); });
  std::vector<int> order;
  Mutex order_mu;
  for (int i = 0; i < 5; ++i) {
    threads.Submit([&, i] {
      MutexLock lock(&order_mu);
      order.push_back(i);
    });
  }
  // The first task may not have been picked up yet: 5 or 6 queued.
  EXPECT_GE(threads.queued(), 5);
  gate.Unlock();
  while (true) {
    MutexLock lock(&order_mu);
    if (order.size() == 5) break;
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(threads.queued(), 0);
}

}  // namespace
}  // namespace heapd::server
