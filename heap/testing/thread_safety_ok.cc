// Compiles under clang -Wthread-safety -Werror: every access to the heap
// holds the interpreter lock. See heap/testing/thread_safety_test.sh.
#include "heap/interpreter.h"

namespace heapd::testing {

objects::Handle AllocateUnderLock(Interpreter& interp, gil::RequestKind kind) {
  gil::InterpreterLockHolder holder(&interp.lock(), kind);
  interp.lock().SafePoint();
  absl::StatusOr<objects::Allocated> object = interp.heap().Allocate(1, {});
  interp.SafePoint(Interpreter::SafePointAt::kBeforeRelease);
  return object.ok() ? object->handle : 0;
}

void DecRefWithManualLocking(Interpreter& interp, objects::Handle handle) {
  interp.lock().Acquire(gil::RequestKind());
  (void)interp.heap().DecRef(1, handle);
  interp.lock().Release();
}

}  // namespace heapd::testing
