// Interpreter: the heap state one interpreter lock protects, and the lock.
//
// CPython 3.12+ gives each interpreter (PyInterpreterState) its GIL and its
// obmalloc state; heapd's server runs one Interpreter. Everything in it that
// the lock protects is declared ABSL_GUARDED_BY(lock_) and reached only
// through accessors that require the lock, so clang's thread safety analysis
// rejects, at compile time, any access made without holding it:
//
//   bazel build --config=thread_safety //heap/...
//
// (g++ ignores the annotations; the config builds with clang and
// -Werror=thread-safety.) The protected state is the ObjectHeap: objects,
// reference counts, the collector and the allocator under them.
//
// Example:
//   heapd::Interpreter interp(heapd::objects::ObjectHeapOptions{}, {});
//   const heapd::gil::RequestKind kind =
//   interp.lock().RegisterKind("Allocate");
//   {
//     heapd::gil::InterpreterLockHolder holder(&interp.lock(), kind);
//     auto object = interp.heap().Allocate(owner, {.type = ObjectType::kList});
//     // The request's last safe point: a scheduled collection runs here.
//     interp.SafePoint(heapd::Interpreter::SafePointAt::kBeforeRelease);
//   }
//   // A long request: a safe point between operations, so that a waiter
//   // that asked for the lock gets it within about one switch interval.
//   interp.RunBatch(kind, ops.size(), [&](ObjectHeap& heap, size_t i) { ... });
#ifndef HEAPD_HEAP_INTERPRETER_H_
#define HEAPD_HEAP_INTERPRETER_H_

#include <cstddef>

#include "absl/base/thread_annotations.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/objects/object_heap.h"

namespace heapd {

class Interpreter {
 public:
  Interpreter(const objects::ObjectHeapOptions& heap_options,
              const gil::InterpreterLockOptions& lock_options)
      : lock_(lock_options), heap_(heap_options) {}
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  gil::InterpreterLock& lock() ABSL_LOCK_RETURNED(lock_) { return lock_; }
  const gil::InterpreterLock& lock() const ABSL_LOCK_RETURNED(lock_) {
    return lock_;
  }

  // The heap: objects, references, the collector and their memory.
  // REQUIRES: the caller holds lock().
  objects::ObjectHeap& heap() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) {
    return heap_;
  }
  const objects::ObjectHeap& heap() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) {
    return heap_;
  }

  // Where a safe point stands in the holder's work.
  enum class SafePointAt {
    // Between two steps: a waiter that asked for the lock may take it here.
    kBetweenSteps,
    // After the last step, just before the holder releases the lock. The
    // lock is not yielded: the release that follows answers a drop request
    // itself (forced switch included) without taking the lock back.
    kBeforeRelease,
  };

  // CPython's eval-breaker check (_Py_HandlePending, 3.12): first the
  // automatic collection a threshold scheduled (ObjectHeap::
  // CollectIfScheduled), then, between steps, InterpreterLock::SafePoint:
  // if a waiter asked for the lock, it is released, taken by another
  // thread and taken back. Returns whether the lock was yielded; after a
  // true return nothing read under the lock before the call may be trusted.
  // REQUIRES: the caller holds lock().
  bool SafePoint(SafePointAt at = SafePointAt::kBetweenSteps)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(lock_) {
    heap_.CollectIfScheduled();
    return at == SafePointAt::kBetweenSteps && lock_.SafePoint();
  }

  // Runs op(heap, i) for i = 0 .. n-1 as one request of `kind`: takes
  // the lock, passes a safe point before every operation but the first and
  // one (kBeforeRelease) after the last, and releases. Returns how many
  // times it let a waiter in. An operation must not keep pointers into
  // state another request may change across a safe point.
  // REQUIRES: the caller does not hold lock().
  template <typename Op>
  int RunBatch(gil::RequestKind kind, size_t n, Op&& op)
      ABSL_LOCKS_EXCLUDED(lock_) {
    gil::InterpreterLockHolder holder(&lock_, kind);
    int yields = 0;
    for (size_t i = 0; i < n; ++i) {
      if (i > 0 && SafePoint()) ++yields;
      op(heap_, i);
    }
    SafePoint(SafePointAt::kBeforeRelease);
    return yields;
  }

 private:
  gil::InterpreterLock lock_;
  objects::ObjectHeap heap_ ABSL_GUARDED_BY(lock_);
};

}  // namespace heapd

#endif  // HEAPD_HEAP_INTERPRETER_H_
