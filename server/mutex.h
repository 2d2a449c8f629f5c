// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with
// the capability annotations clang's thread safety analysis reads, so that
// a field declared ABSL_GUARDED_BY(mu_) is checked at compile time:
//
//   bazel build --config=thread_safety //server/...
//
// rejects any access to it made without holding mu_, as heap/interpreter.h
// does for the heap and the interpreter lock. (libstdc++'s std::mutex
// carries no annotations, and g++ ignores them all.)
//
// Why not absl::Mutex, which has them: Debian's Abseil is not built with
// -fsanitize=thread, so ThreadSanitizer cannot see absl::Mutex's
// synchronization and reports every access to a field it guards as a race
// (--config=tsan; tools/tsan.supp says the same of gRPC). std::mutex is
// pthread's, whose calls TSan intercepts. Debian's absl::Mutex also runs its
// debug deadlock detection: 36 ns a lock and unlock against std::mutex's 11
// (docs/performance.md).
//
// Example:
//   Mutex mu_;
//   CondVar changed_;
//   int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
//
//   void Add() ABSL_LOCKS_EXCLUDED(mu_) {
//     { MutexLock lock(&mu_); ++count_; }
//     changed_.SignalAll();
//   }
//   void AwaitAny() ABSL_LOCKS_EXCLUDED(mu_) {
//     MutexLock lock(&mu_);
//     while (count_ == 0) changed_.Wait(&mu_);
//   }
#ifndef HEAPD_SERVER_MUTEX_H_
#define HEAPD_SERVER_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace heapd::server {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for a scope.
class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

// Waits are woken by Signal, SignalAll or spuriously: callers wait in a loop
// on the condition they need.
class CondVar {
 public:
  CondVar() = default;
  CondVar(const CondVar&) = delete;
  CondVar& operator=(const CondVar&) = delete;

  // Releases *mu, waits to be woken, and holds *mu again on return.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's
  }

  // The same, waking at `deadline` at the latest; returns whether it woke
  // because the deadline passed.
  bool WaitUntil(Mutex* mu, std::chrono::steady_clock::time_point deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    const bool timed_out =
        cv_.wait_until(lock, deadline) == std::cv_status::timeout;
    lock.release();  // still held: the caller's
    return timed_out;
  }

  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_MUTEX_H_
