// Compiles under clang -Wthread-safety -Werror: every access to the heap
// holds the interpreter lock. See heap/thread_safety_test.sh.
#include "heap/interpreter.h"

namespace heapd {

void* AllocateUnderLock(Interpreter& interp, RequestKind kind) {
  InterpreterLockHolder holder(&interp.lock(), kind);
  interp.lock().SafePoint();
  return interp.allocator().Allocate(8);
}

void FreeWithManualLocking(Interpreter& interp, void* p) {
  interp.lock().Acquire(RequestKind());
  interp.allocator().Free(p);
  interp.lock().Release();
}

}  // namespace heapd
