// PymallocReplayer: replays a recorded program's calls to CPython's pymalloc
// through heapd's small-object allocator and raw domain, with pymalloc's
// semantics for each call (CPython 3.11, Objects/obmalloc.c):
//
//   malloc(n)        1 <= n <= 512: a block of n's size class; n == 0 or
//                    n > 512: the raw domain (PyMem_RawMalloc, 1 byte for 0)
//   calloc(k, e)     malloc(k * e), zeroed
//   realloc(p, n)    p null: malloc(n). p a raw block: stays in the raw
//                    domain whatever n is (pymalloc never takes a C block
//                    over). p a small block of size s: kept in place when
//                    n <= s and 4n > 3s; otherwise malloc(n), copy, free(p)
//                    (pymalloc_realloc)
//   free(p)          to whichever domain owns p
//
// Each new arena is placed at the offset from a pool boundary of the next
// arena the recording mapped (QueueArena), so it holds as many pools.
//
// Blocks are named by the trace's ids. Not thread-safe.
#ifndef HEAPD_HEAP_REPLAY_PYMALLOC_REPLAYER_H_
#define HEAPD_HEAP_REPLAY_PYMALLOC_REPLAYER_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "absl/status/status.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/raw_allocator.h"
#include "heap/obmalloc/small_object_allocator.h"

namespace heapd::replay {

class PymallocReplayer {
 public:
  // With `place_arenas` false, arenas go wherever mmap puts them and
  // QueueArena is ignored (to show what the placement changes).
  explicit PymallocReplayer(const obmalloc::AllocatorLayout& layout,
                            bool place_arenas = true);
  // Frees every block still allocated.
  ~PymallocReplayer();
  PymallocReplayer(const PymallocReplayer&) = delete;
  PymallocReplayer& operator=(const PymallocReplayer&) = delete;

  // Each creates or changes block `id`. FAILED_PRECONDITION if the id is
  // in use (malloc, calloc) or not (realloc of a block, free), RESOURCE_
  // EXHAUSTED if the OS refuses memory.
  absl::Status Malloc(uint64_t id, uint64_t size);
  absl::Status Calloc(uint64_t id, uint64_t nelem, uint64_t elsize);
  // `id` names the block before and after. Sets `small` to whether the
  // block was a pymalloc block (the only kind whose move pymalloc decides)
  // and `moved` to whether it moved.
  absl::Status Realloc(uint64_t id, uint64_t size, bool& small, bool& moved);
  absl::Status Free(uint64_t id);

  // The recording mapped an arena at `address`: the next arena heapd maps
  // gets its offset from a pool boundary.
  void QueueArena(uint64_t address) {
    if (place_arenas_) arena_addresses_.push_back(address);
  }
  // Arenas heapd mapped with no recorded arena left to follow.
  uint64_t arenas_unmatched() const { return arenas_unmatched_; }
  // Recorded arenas not yet used by heapd.
  size_t arenas_queued() const { return arena_addresses_.size(); }

  obmalloc::SmallObjectStats Stats() const { return small_.Stats(); }
  const obmalloc::AllocatorLayout& layout() const { return small_.layout(); }

 private:
  void* Allocate(uint64_t size);
  void Release(void* p);
  absl::Status Take(uint64_t id);
  absl::Status Lookup(uint64_t id) const;

  obmalloc::SmallObjectAllocator small_;
  obmalloc::RawAllocator raw_;
  std::vector<void*> blocks_;  // by id; null when free
  std::deque<uint64_t> arena_addresses_;
  uint64_t arenas_unmatched_ = 0;
  const bool place_arenas_;
};

}  // namespace heapd::replay

#endif  // HEAPD_HEAP_REPLAY_PYMALLOC_REPLAYER_H_
