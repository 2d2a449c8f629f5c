// Allocator: the heap's memory, as CPython's PyObject_Malloc sees it.
//
//   Allocate(n), 1 <= n <= 512  ->  SmallObjectAllocator (arenas, pools)
//   Allocate(n), n == 0 or > 512 -> RawAllocator (the C allocator)
//   Free(p)                     ->  whichever owns p; the small allocator
//                                   answers "is it mine?" in O(1)
//
// Example:
//   heapd::obmalloc::Allocator
//   allocator(heapd::obmalloc::AllocatorLayout::Classic()); void* p =
//   allocator.Allocate(40);   // a 48-byte block of size class 2
//   allocator.Free(p);
//   heapd::obmalloc::AllocatorStats stats = allocator.Stats();
//
// Not thread-safe: the interpreter lock serializes all access.
#ifndef HEAPD_HEAP_OBMALLOC_ALLOCATOR_H_
#define HEAPD_HEAP_OBMALLOC_ALLOCATOR_H_

#include <cstddef>
#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/memory_limit.h"
#include "heap/obmalloc/raw_allocator.h"
#include "heap/obmalloc/size_class.h"
#include "heap/obmalloc/small_object_allocator.h"

namespace heapd::obmalloc {

struct AllocatorStats {
  SmallObjectStats small;
  RawDomainStats raw;
  // The memory limit (memory_limit.h): bytes of arenas and raw blocks taken
  // from the OS, the cap on them (0: none), and requests the cap refused.
  size_t memory_bytes = 0;
  size_t memory_limit = 0;
  uint64_t memory_refused = 0;
};

class Allocator {
 public:
  // `max_bytes` caps what arenas and raw blocks may take from the OS
  // together (0: no cap); past it Allocate returns null as if the OS had
  // refused (see memory_limit.h).
  explicit Allocator(const AllocatorLayout& layout, size_t max_bytes = 0)
      : limit_(max_bytes), small_(layout, &limit_), raw_(&limit_) {}
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // A block of at least `nbytes` bytes, 16-byte aligned; null when the OS
  // refuses memory.
  void* Allocate(size_t nbytes) {
    if (ABSL_PREDICT_TRUE(IsSmallRequest(nbytes))) {
      return small_.Allocate(nbytes);
    }
    return raw_.Allocate(nbytes);
  }

  // REQUIRES: p came from Allocate and was not freed since.
  void Free(void* p) {
    if (ABSL_PREDICT_TRUE(small_.Free(p))) return;
    raw_.Free(p);
  }

  // The size of the block `p` points to: its size class's block size, or
  // the raw request. REQUIRES: p is allocated.
  size_t BlockSize(const void* p) const;

  // The arena, pool and size class of a small block; false for raw blocks.
  bool Locate(const void* p, BlockLocation* location) const {
    return small_.Locate(p, location);
  }

  AllocatorStats Stats() const {
    return {small_.Stats(), raw_.stats(), limit_.charged(), limit_.limit(),
            limit_.refused()};
  }

  // Every arena's pools and their occupancy (SmallObjectAllocator).
  std::vector<ArenaOccupancy> Occupancy() const { return small_.Occupancy(); }

  // The small-object allocator's invariants (see its Verify).
  absl::Status Verify() const { return small_.Verify(); }

  // Where new arenas start relative to a pool boundary (see
  // SmallObjectAllocator::set_arena_offset_source).
  void set_arena_offset_source(SmallObjectAllocator::ArenaOffsetSource source) {
    small_.set_arena_offset_source(std::move(source));
  }

  const AllocatorLayout& layout() const { return small_.layout(); }

  // Arena and raw bytes taken from the OS, the cap on them, and how many
  // requests the cap refused.
  const MemoryLimit& memory_limit() const { return limit_; }

 private:
  // Before small_ and raw_, which charge it until they are destroyed.
  MemoryLimit limit_;
  SmallObjectAllocator small_;
  RawAllocator raw_;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_ALLOCATOR_H_
