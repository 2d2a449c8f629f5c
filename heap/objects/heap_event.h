// HeapEvent: something the heap did that a client may want to see (a
// collection, a finalizer run, a weak-reference callback), and the
// identifiers and collection result it carries. ObjectHeap records them in
// an EventRing (event_ring.h) for the service to stream.
#ifndef HEAPD_HEAP_OBJECTS_HEAP_EVENT_H_
#define HEAPD_HEAP_OBJECTS_HEAP_EVENT_H_

#include <array>
#include <cstdint>

#include "absl/time/time.h"

namespace heapd::objects {

// An object, as clients name it: (slot reuse count << 32) | slot.
using Handle = uint64_t;
// A weak reference: numbered 1, 2, ... in creation order, never reused.
using WeakRefId = uint64_t;

inline constexpr int kNumGenerations = 3;

struct CollectResult {
  int generation = 0;
  int64_t examined = 0;   // tracked objects in the collected set
  int64_t collected = 0;  // unreachable objects found (gc.collect())
  int64_t uncollectable = 0;
  absl::Duration duration;
  bool automatic = false;
  std::array<int64_t, kNumGenerations> counts_after{};
};

struct HeapEvent {
  enum class Kind { kCollection, kFinalizer, kWeakRefCallback };
  Kind kind = Kind::kCollection;
  uint64_t sequence = 0;
  absl::Time time;
  CollectResult collection;  // kCollection
  Handle object = 0;         // kFinalizer: the object; kWeakRefCallback: the
                             // referent that died
  WeakRefId weakref = 0;     // kWeakRefCallback
  bool resurrected = false;  // kFinalizer
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_HEAP_EVENT_H_
