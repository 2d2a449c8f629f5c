// What the ObjectHeap tests share: owners, options, and allocating
// shorthands.
#ifndef HEAPD_HEAP_OBJECTS_OBJECT_HEAP_TEST_UTIL_H_
#define HEAPD_HEAP_OBJECTS_OBJECT_HEAP_TEST_UTIL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"

namespace heapd::objects {

inline constexpr OwnerId kAlice = 1;
inline constexpr OwnerId kBob = 2;

inline ObjectHeapOptions Options() {
  ObjectHeapOptions options;
  options.gc.enabled = false;  // tests collect explicitly unless they say so
  return options;
}

inline void ExpectValid(const ObjectHeap& heap) {
  absl::Status status = heap.Verify();
  ASSERT_TRUE(status.ok()) << status;
}

inline Handle New(ObjectHeap& heap, ObjectType type, OwnerId owner = kAlice,
                  int64_t length = 0) {
  AllocateSpec spec;
  spec.type = type;
  spec.length = length;
  absl::StatusOr<Allocated> a = heap.Allocate(owner, spec);
  EXPECT_TRUE(a.ok()) << a.status();
  // The safe point after the operation, where a collection the allocation
  // scheduled runs (as the service does after each request).
  heap.CollectIfScheduled();
  return a.ok() ? a->handle : 0;
}

inline Handle NewObject(ObjectHeap& heap, OwnerId owner = kAlice) {
  return New(heap, ObjectType::kObject, owner);
}

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_OBJECT_HEAP_TEST_UTIL_H_
