// The RPC methods of heapd.v1.Heap, in one table: each method's name (what
// the RPC counters, the slow log and error messages call it) and the
// interpreter lock request kind its requests hold the lock as.
//
// Adding an RPC: an enumerator of Method and a row of kMethods. The
// static_asserts below check that every enumerator has exactly one row;
// methods_test checks the rows against proto/heap.proto's service.
//
// Two orders, both visible in Stats and both fixed by tests/golden:
//   - Method's enumerators are in the order of ServerStats.methods, the
//     RPC counters' rows (MethodNames);
//   - kMethods' rows are in the order their request kinds are registered
//     with the interpreter lock, which is the order of LockStats.by_kind.
//
// Example:
//   const MethodKinds kinds = MethodKinds::Register(interp.lock());
//   gil::InterpreterLockHolder holder(&interp.lock(),
//   kinds.of(Method::kVerify)); RpcCounters counters(MethodNames());
//   counters.Count(static_cast<int>(Method::kVerify), /*code=*/0);
#ifndef HEAPD_SERVER_METHODS_H_
#define HEAPD_SERVER_METHODS_H_

#include <array>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "heap/gil/interpreter_lock.h"

namespace heapd::server {

enum class Method {
  kPing,
  kStats,
  kOpenSession,
  kCloseSession,
  kAllocate,
  kIncRef,
  kDecRef,
  kLink,
  kUnlink,
  kGetReferent,
  kCreateWeakRef,
  kReadWeakRef,
  kCollect,
  kInspect,
  kGetGcConfig,
  kSetGcConfig,
  kFreeze,
  kUnfreeze,
  kBatch,
  kWatchStats,
  kVerify,
};
inline constexpr size_t kNumMethods = static_cast<size_t>(Method::kVerify) + 1;

// Whether a method's requests hold the interpreter lock, as a request kind
// named after the method, and how the lock times those holds.
enum class LockUse {
  // Never: the method has no request kind (a stream served without it).
  kNever,
  // One hold in hold_sample_period timed (InterpreterLockOptions).
  kSampledHolds,
  // Every hold timed: rare, long holds whose every duration matters.
  kEveryHoldTimed,
};

struct MethodRow {
  Method method;
  // As proto/heap.proto spells it.
  absl::string_view name;
  LockUse lock;
};

inline constexpr MethodRow kMethods[] = {
    {Method::kOpenSession, "OpenSession", LockUse::kSampledHolds},
    {Method::kCloseSession, "CloseSession", LockUse::kSampledHolds},
    {Method::kAllocate, "Allocate", LockUse::kSampledHolds},
    {Method::kIncRef, "IncRef", LockUse::kSampledHolds},
    {Method::kDecRef, "DecRef", LockUse::kSampledHolds},
    {Method::kLink, "Link", LockUse::kSampledHolds},
    {Method::kUnlink, "Unlink", LockUse::kSampledHolds},
    {Method::kGetReferent, "GetReferent", LockUse::kSampledHolds},
    {Method::kCreateWeakRef, "CreateWeakRef", LockUse::kSampledHolds},
    {Method::kReadWeakRef, "ReadWeakRef", LockUse::kSampledHolds},
    // A collection holds the lock from start to end.
    {Method::kCollect, "Collect", LockUse::kEveryHoldTimed},
    {Method::kInspect, "Inspect", LockUse::kSampledHolds},
    {Method::kGetGcConfig, "GetGcConfig", LockUse::kSampledHolds},
    {Method::kSetGcConfig, "SetGcConfig", LockUse::kSampledHolds},
    {Method::kFreeze, "Freeze", LockUse::kSampledHolds},
    {Method::kUnfreeze, "Unfreeze", LockUse::kSampledHolds},
    // Only a fresh Stats takes the lock, to publish a snapshot.
    {Method::kStats, "Stats", LockUse::kSampledHolds},
    // Only a Ping naming a session takes the lock, to renew its lease.
    {Method::kPing, "Ping", LockUse::kSampledHolds},
    {Method::kBatch, "Batch", LockUse::kSampledHolds},
    // A walk of the whole heap: rare and long, like a collection.
    {Method::kVerify, "Verify", LockUse::kEveryHoldTimed},
    {Method::kWatchStats, "WatchStats", LockUse::kNever},
};

// The row of `method`.
constexpr const MethodRow& RowOf(Method method) {
  for (const MethodRow& row : kMethods) {
    if (row.method == method) return row;
  }
  // Unreachable: the static_asserts below give every Method a row.
  std::abort();
}

constexpr absl::string_view MethodName(Method method) {
  return RowOf(method).name;
}

namespace methods_internal {
constexpr bool EveryMethodHasOneRow() {
  for (size_t m = 0; m < kNumMethods; ++m) {
    int rows = 0;
    for (const MethodRow& row : kMethods) {
      if (row.method == static_cast<Method>(m)) ++rows;
    }
    if (rows != 1) return false;
  }
  return true;
}
}  // namespace methods_internal

static_assert(std::size(kMethods) == kNumMethods,
              "kMethods needs one row per Method");
static_assert(methods_internal::EveryMethodHasOneRow(),
              "every Method needs exactly one row in kMethods");

// Every method's name, in Method order: the RPC counters' rows.
std::vector<std::string> MethodNames();

// The interpreter lock's request kind of each method that has one.
class MethodKinds {
 public:
  // Registers a kind for every row of kMethods that takes the lock, in
  // row order.
  static MethodKinds Register(gil::InterpreterLock& lock);

  // REQUIRES: RowOf(method).lock != LockUse::kNever.
  gil::RequestKind of(Method method) const {
    return kinds_[static_cast<size_t>(method)];
  }

 private:
  MethodKinds() = default;
  std::array<gil::RequestKind, kNumMethods> kinds_{};
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_METHODS_H_
