#include "server/methods.h"

namespace heapd::server {

std::vector<std::string> MethodNames() {
  std::vector<std::string> names;
  names.reserve(kNumMethods);
  for (size_t m = 0; m < kNumMethods; ++m) {
    names.push_back(std::string(MethodName(static_cast<Method>(m))));
  }
  return names;
}

MethodKinds MethodKinds::Register(gil::InterpreterLock& lock) {
  MethodKinds kinds;
  for (const MethodRow& row : kMethods) {
    if (row.lock == LockUse::kNever) continue;
    kinds.kinds_[static_cast<size_t>(row.method)] = lock.RegisterKind(
        row.name, {.time_every_hold = row.lock == LockUse::kEveryHoldTimed});
  }
  return kinds;
}

}  // namespace heapd::server
