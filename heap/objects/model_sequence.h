// Random operation sequences for the model-based test of ObjectHeap
// (object_heap_model_test.cc), as drawn from a seed.
//
// Each sequence: a random collector configuration (automatic collections on
// with small thresholds, or off), then 20-40 random steps, run after the
// runner (model_runner.h) has made a long-lived "root" dict held by owner 9:
// allocations of every type (bad lengths too) with finalizers (record,
// resurrect to the owner, resurrect into the root under a field of their
// own) and weak references, IncRef/DecRef/ReleaseOwner by owners 1-3,
// SetField/Append/ClearField/RemoveItem (on every type, so the errors are
// compared too), collections 0-2 (and bad ones), freeze, unfreeze,
// thresholds and SAVEALL, weak references, clearing gc.garbage, bursts of
// container allocations (which drive automatic collections of the older
// generations). Objects are named by their place in the sequence's
// allocations, dead ones included (stale handles), or made up.
#ifndef HEAPD_HEAP_OBJECTS_MODEL_SEQUENCE_H_
#define HEAPD_HEAP_OBJECTS_MODEL_SEQUENCE_H_

#include <cstdint>
#include <vector>

#include "heap/objects/object_heap.h"
#include "heap/objects/object_type.h"

namespace heapd::objects::model_test {

inline constexpr OwnerId kRootOwner = 9;
inline constexpr OwnerId kOwners[] = {1, 2, 3, kRootOwner};
inline constexpr const char* kFields[] = {"a", "b", "c", "0",
                                          "1", "2", "7", ""};
inline constexpr int kNumFields = 8;

// One step, as drawn; objects are picks resolved when the step runs.
struct Step {
  enum Op {
    kAllocate,
    kIncRef,
    kDecRef,
    kReleaseOwner,
    kSetField,
    kAppend,
    kClearField,
    kRemoveItem,
    kCollect,
    kFreeze,
    kUnfreeze,
    kSetGcConfig,
    kCreateWeakRef,
    kClearGarbage,
    kBurst,  // `length` containers in a row, a safe point after each
  };
  Op op = kAllocate;
  OwnerId owner = 1;
  uint32_t a = 0, b = 0;  // object picks
  int field = 0;
  ObjectType type = ObjectType::kObject;
  int64_t length = 0;
  int finalizer = 0;  // 0 none, 1 record, 2 to owner, 3 into the root,
                      // 4 into a made-up handle, 5 into the root, no field
  bool weakref = false, callback = false;
  int generation = 2;
  GcConfig gc;
};

struct SequenceConfig {
  GcConfig gc;
  std::vector<Step> steps;
};

// The sequence of seed `seed`.
SequenceConfig Draw(uint64_t seed);

}  // namespace heapd::objects::model_test

#endif  // HEAPD_HEAP_OBJECTS_MODEL_SEQUENCE_H_
