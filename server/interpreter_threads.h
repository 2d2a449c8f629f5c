// InterpreterThreads: the threads heap requests wait for the interpreter
// lock on, so that gRPC's own threads never do.
//
// gRPC's callback API runs handlers on a few event threads (about two per
// core). A handler that waited there for the interpreter lock would take
// one of them out of service for as long as a collection holds the lock, and
// a handful of such waits would leave none to answer Ping and Stats. So a
// handler first tries the lock without waiting (InterpreterLock::TryAcquire:
// free, and nobody waiting); if that fails it hands the request to these
// threads, which queue first come first served and then contend for the
// lock as CPython's threads contend for the GIL. The lock's policy decides
// among them; the queue in front of them is FIFO.
//
//   gRPC event thread: TryAcquire ok -> run inline, Finish
//                      else          -> Submit(task) -> return
//   interpreter thread:                 pop task -> wait for the lock -> run
//                                       -> Finish
//
// Threads: Submit from any thread. The destructor runs every task already
// submitted, then joins the threads.
//
// Example:
//   InterpreterThreads threads(16);
//   threads.Submit([reactor] { ...; reactor->Finish(status); });
#ifndef HEAPD_SERVER_INTERPRETER_THREADS_H_
#define HEAPD_SERVER_INTERPRETER_THREADS_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/mutex.h"

namespace heapd::server {

class InterpreterThreads {
 public:
  // REQUIRES: threads >= 1.
  explicit InterpreterThreads(int threads);
  ~InterpreterThreads();
  InterpreterThreads(const InterpreterThreads&) = delete;
  InterpreterThreads& operator=(const InterpreterThreads&) = delete;

  // Runs `task` on one of the threads, after every task submitted before it
  // has started. REQUIRES: `task` is not empty.
  void Submit(std::function<void()> task) ABSL_LOCKS_EXCLUDED(mu_);

  // Tasks submitted and not yet started.
  int64_t queued() const ABSL_LOCKS_EXCLUDED(mu_);
  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // The next task, once there is one; null once stopping with none left.
  std::function<void()> Next() ABSL_LOCKS_EXCLUDED(mu_);

  mutable Mutex mu_;
  CondVar ready_;  // a task was submitted, or stopping_ set
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_INTERPRETER_THREADS_H_
