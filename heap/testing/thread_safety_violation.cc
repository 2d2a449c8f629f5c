// Must NOT compile under clang -Wthread-safety -Werror: the heap is touched
// without the interpreter lock, and a lock is left held on return. See
// heap/testing/thread_safety_test.sh.
#include "heap/interpreter.h"

namespace heapd::testing {

int64_t CollectWithoutLock(Interpreter& interp) {
  return interp.heap().Freeze();  // expected: requires holding
}

void ForgetsToRelease(Interpreter& interp) {
  interp.lock().Acquire(gil::RequestKind());
}  // expected: still held at the end of function

void SafePointWithoutLock(Interpreter& interp) {
  interp.lock().SafePoint();  // expected: requires holding
}

void InterpreterSafePointWithoutLock(Interpreter& interp) {
  interp.SafePoint();  // expected: requires holding
}

}  // namespace heapd::testing
