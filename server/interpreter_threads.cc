#include "server/interpreter_threads.h"

#include <utility>

namespace heapd::server {

InterpreterThreads::InterpreterThreads(int threads) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
}

InterpreterThreads::~InterpreterThreads() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  ready_.SignalAll();
  for (std::thread& thread : threads_) thread.join();
}

void InterpreterThreads::Submit(std::function<void()> task) {
  {
    MutexLock lock(&mu_);
    tasks_.push_back(std::move(task));
  }
  ready_.Signal();
}

int64_t InterpreterThreads::queued() const {
  MutexLock lock(&mu_);
  return static_cast<int64_t>(tasks_.size());
}

void InterpreterThreads::Run() {
  while (std::function<void()> task = Next()) task();
}

std::function<void()> InterpreterThreads::Next() {
  MutexLock lock(&mu_);
  while (!stopping_ && tasks_.empty()) ready_.Wait(&mu_);
  // Stopping still drains the queue: every submitted task runs.
  if (tasks_.empty()) return nullptr;
  std::function<void()> task = std::move(tasks_.front());
  tasks_.pop_front();
  return task;
}

}  // namespace heapd::server
