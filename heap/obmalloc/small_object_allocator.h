// SmallObjectAllocator: CPython's obmalloc (pymalloc), with real memory.
//
// Requests of 1..512 bytes are served from pools of one size class, carved
// from arenas the OS gives us with mmap (see pool.h for pools and arenas,
// size_class.h for the classes).
//
// Allocation, fastest first:
//   1. The size class's used list has a pool: pop its free list (or carve
//      its next never-touched block). Five lines; see Allocate below.
//   2. Otherwise take an empty pool from the first usable arena (a cached
//      one, or carve the next pool of the arena); a new arena if none.
//
// Free:
//   1. Push the block on its pool's free list.
//   2. A pool that was full goes back to the front of its class's used list
//      (the next request of that class reuses the block just freed).
//   3. A pool that became empty goes on its arena's free-pool list, and the
//      arena moves in the usable list, or goes back to the OS when wholly
//      free (see ArenaRelease in layout.h).
//
// The usable-arenas list keeps arenas that have a free pool in ascending
// order of free pools, so new pools come from the fullest arena and the
// emptiest ones get a chance to drain and be released. `nfp2lasta` (as in
// CPython) holds, for each count k, the last arena on the list with k free
// pools, so that keeping the list sorted costs O(1) per pool freed: a walk
// of the list would make freeing many objects quadratic.
//
// Ownership: Free decides whether an address is ours with the ArenaMap, in
// constant time, as CPython 3.10+ does, so the caller may hand it any pointer
// and fall back to the raw domain when the answer is no.
//
// Statistics: blocks in use per size class and allocation calls are kept as
// counters on every call (so Stats never needs a full walk to report
// occupancy); everything else sys._debugmallocstats() prints is computed by
// walking the arenas in Stats().
//
// Not thread-safe. The interpreter lock serializes all access.
#ifndef HEAPD_HEAP_OBMALLOC_SMALL_OBJECT_ALLOCATOR_H_
#define HEAPD_HEAP_OBMALLOC_SMALL_OBJECT_ALLOCATOR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "heap/obmalloc/arena_map.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/memory_limit.h"
#include "heap/obmalloc/pool.h"
#include "heap/obmalloc/size_class.h"

namespace heapd::obmalloc {

// One row of sys._debugmallocstats()'s table.
struct SizeClassStats {
  int size_class = 0;
  size_t block_size = 0;
  size_t blocks_per_pool = 0;
  // Pools of this class holding at least one block.
  size_t pools = 0;
  size_t blocks_in_use = 0;
  // Free blocks in those pools, free-listed or never carved.
  size_t available_blocks = 0;
};

// Everything sys._debugmallocstats() prints about pymalloc.
struct SmallObjectStats {
  std::array<SizeClassStats, kNumSizeClasses> size_classes{};

  size_t arenas_allocated_total = 0;  // ever obtained from the OS
  size_t arenas_reclaimed = 0;        // given back to the OS
  size_t arenas_highwater = 0;        // most at once
  size_t arenas_current = 0;
  size_t arena_bytes = 0;  // arenas_current * arena_size

  // The six parts of arena_bytes.
  size_t bytes_in_allocated_blocks = 0;
  size_t bytes_in_available_blocks = 0;
  size_t unused_pools = 0;
  size_t bytes_in_unused_pools = 0;
  size_t bytes_lost_to_pool_headers = 0;
  size_t bytes_lost_to_quantization = 0;
  size_t bytes_lost_to_arena_alignment = 0;
  size_t bytes_total = 0;  // the sum of the six; equals arena_bytes

  size_t arena_map_leaves = 0;
  size_t arena_map_bytes = 0;

  size_t allocations_total = 0;
  size_t frees_total = 0;
};

// Where a small block lives.
struct BlockLocation {
  uint32_t arena_index = 0;
  uintptr_t arena_base = 0;
  uintptr_t pool = 0;
  int size_class = 0;
};

// What one pool holds, for pictures of the heap: its size class and how
// many of its blocks are in use. An empty pool (never used, or emptied and
// cached on its arena) has kEmptyPoolClass.
struct PoolOccupancy {
  uint32_t blocks_in_use = 0;
  uint8_t size_class = 0;
};
inline constexpr uint8_t kEmptyPoolClass = 0xff;

// One arena's pools in address order. `index` is the arena's slot in the
// allocator's table, which it keeps for its whole life.
struct ArenaOccupancy {
  uint32_t index = 0;
  std::vector<PoolOccupancy> pools;
};

class SmallObjectAllocator {
 public:
  // `limit`, if not null, is charged arena_size for every arena mapped and
  // must outlive the allocator; a refused charge is treated as mmap failing.
  explicit SmallObjectAllocator(const AllocatorLayout& layout,
                                MemoryLimit* limit = nullptr);
  // Returns every arena to the OS, whatever is still allocated.
  ~SmallObjectAllocator();
  SmallObjectAllocator(const SmallObjectAllocator&) = delete;
  SmallObjectAllocator& operator=(const SmallObjectAllocator&) = delete;

  // A block of SizeClassOf(nbytes)'s size, 16-byte aligned, or null when the
  // OS refuses a new arena. REQUIRES: IsSmallRequest(nbytes).
  void* Allocate(size_t nbytes) {
    const int size_class = SizeClassOf(nbytes);
    PoolHeader* pool = usedpools_[size_class];
    if (ABSL_PREDICT_FALSE(pool == nullptr)) {
      return AllocateFromNewPool(size_class);
    }
    ++pool->ref_count;
    FreeBlock* block = pool->freeblock;
    pool->freeblock = block->next;
    if (ABSL_PREDICT_FALSE(pool->freeblock == nullptr)) ExtendPool(pool);
    ++blocks_in_use_[size_class];
    ++allocations_total_;
    return block;
  }

  // Frees `p` and returns true if it is a block of this allocator; returns
  // false, touching nothing, if no arena of ours covers it.
  // REQUIRES: if ours, p came from Allocate and was not freed since.
  bool Free(void* p) {
    if (!arena_map_.Contains(reinterpret_cast<uintptr_t>(p))) return false;
    PoolHeader* pool = PoolOf(p);
    FreeBlock* block = static_cast<FreeBlock*>(p);
    FreeBlock* was_free = pool->freeblock;
    block->next = was_free;
    pool->freeblock = block;
    --pool->ref_count;
    --blocks_in_use_[pool->szidx];
    if (ABSL_PREDICT_FALSE(was_free == nullptr)) {
      InsertFullPoolIntoUsedList(pool);
    } else if (ABSL_PREDICT_FALSE(pool->ref_count == 0)) {
      ReturnEmptyPoolToArena(pool);
    }
    return true;
  }

  // Whether an arena of ours covers `p` (CPython's address_in_range).
  bool Owns(const void* p) const {
    return arena_map_.Contains(reinterpret_cast<uintptr_t>(p));
  }

  // The arena, pool and size class of a block, or false if `p` is not in a
  // carved pool of ours. Constant time.
  bool Locate(const void* p, BlockLocation* location) const;

  // Walks every arena and pool. O(arenas * pools per arena).
  SmallObjectStats Stats() const;

  // Every live arena's pools, by ascending arena index: a walk of every
  // carved pool's header, like Stats().
  std::vector<ArenaOccupancy> Occupancy() const;

  // Checks every invariant of arenas, pools, free lists, the used and usable
  // lists, nfp2lasta, the arena map and the counters. OK, or INTERNAL naming
  // the first invariant found broken. O(arenas * pools * blocks per pool).
  absl::Status Verify() const;

  // Where each new arena starts relative to a pool boundary: the source
  // returns the offset the next arena's base must have (taken modulo
  // pool_size and rounded down to the page size), which decides whether it
  // loses a pool to alignment. Without a source (the default) an arena goes
  // wherever mmap puts it. A replay uses this to give every arena the offset
  // its recorded counterpart had, so that each holds as many pools.
  using ArenaOffsetSource = std::function<size_t()>;
  void set_arena_offset_source(ArenaOffsetSource source) {
    arena_offset_source_ = std::move(source);
  }

  const AllocatorLayout& layout() const { return layout_; }
  // Blocks currently allocated, all classes.
  size_t blocks_in_use() const;
  size_t arenas_current() const { return narenas_currently_allocated_; }

 private:
  PoolHeader* PoolOf(const void* p) const {
    return reinterpret_cast<PoolHeader*>(reinterpret_cast<uintptr_t>(p) &
                                         ~pool_mask_);
  }

  // The slow paths, named after CPython's functions.
  void ExtendPool(PoolHeader* pool);                  // pymalloc_pool_extend
  void* AllocateFromNewPool(int size_class);          // allocate_from_new_pool
  void InsertFullPoolIntoUsedList(PoolHeader* pool);  // insert_to_usedpool
  void ReturnEmptyPoolToArena(PoolHeader* pool);      // insert_to_freepool
  ArenaObject* NewArena();                            // new_arena
  // arena_size bytes from the OS, placed as arena_offset_source_ says;
  // MAP_FAILED when refused.
  void* MapArena();
  void ReleaseArena(ArenaObject* arena);
  void UnlinkUsedPool(PoolHeader* pool);
  void UnlinkUsableArena(ArenaObject* arena);
  uint32_t IndexOf(const ArenaObject* arena) const {
    return static_cast<uint32_t>(arena - arenas_.data());
  }
  uintptr_t FirstPool(uintptr_t arena_base) const {
    return (arena_base + pool_mask_) & ~pool_mask_;
  }

  absl::Status VerifyArena(const ArenaObject& arena,
                           std::array<size_t, kNumSizeClasses>& in_use,
                           size_t& used_pools) const;
  absl::Status VerifyPool(const PoolHeader* pool) const;
  absl::Status VerifyLists(size_t used_pools) const;

  const AllocatorLayout layout_;
  const uintptr_t pool_mask_;

  // Head of each size class's list of used pools (null: none).
  std::array<PoolHeader*, kNumSizeClasses> usedpools_{};

  // The arena table; slots with address 0 are on unused_arena_objects_. It
  // only grows when usable_arenas_ is empty, so no list points into it then.
  std::vector<ArenaObject> arenas_;
  ArenaObject* unused_arena_objects_ = nullptr;
  ArenaObject* usable_arenas_ = nullptr;
  // nfp2lasta_[k]: the last usable arena with k free pools, or null.
  std::vector<ArenaObject*> nfp2lasta_;

  ArenaMap arena_map_;
  MemoryLimit* const limit_;
  ArenaOffsetSource arena_offset_source_;

  size_t narenas_currently_allocated_ = 0;
  size_t ntimes_arena_allocated_ = 0;
  size_t narenas_highwater_ = 0;

  std::array<size_t, kNumSizeClasses> blocks_in_use_{};
  size_t allocations_total_ = 0;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_SMALL_OBJECT_ALLOCATOR_H_
