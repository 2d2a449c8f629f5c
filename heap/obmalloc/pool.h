// Pools and arenas: the two containers of CPython's small-object allocator.
//
// An arena is one mmap of arena_size bytes, cut into pools of pool_size bytes
// (64 per arena in both presets). A pool holds blocks of one size class
// behind a 48-byte header:
//
//   pool (pool_size-aligned)
//   +--------------+---------+---------+---------+-----+---------+-------+
//   | PoolHeader   | block 0 | block 1 | block 2 | ... | block n | waste |
//   | 48 bytes     |         |         |         |     |         |       |
//   +--------------+---------+---------+---------+-----+---------+-------+
//                  ^ first block at kPoolHeaderSize
//
// Because pools are aligned to their size, a block finds its pool header by
// rounding its address down: no per-block header at all.
//
// A pool is in one of three states:
//   used   some blocks allocated, some free: on its size class's used list
//   full   every block allocated: on no list
//   empty  no block allocated: on its arena's free-pool list, remembering
//          its old size class (reused as-is if that class asks again)
//
// Blocks are carved lazily: a fresh pool sets up only its first two blocks,
// and `nextoffset` says where never-touched memory begins, so no page of an
// arena is touched before a block on it is needed.
#ifndef HEAPD_HEAP_OBMALLOC_POOL_H_
#define HEAPD_HEAP_OBMALLOC_POOL_H_

#include <cstdint>

#include "heap/obmalloc/size_class.h"

namespace heapd::obmalloc {

// A free block's first word links it to the next free block of its pool.
struct FreeBlock {
  FreeBlock* next;
};

// The header at the start of every pool (CPython's pool_header).
struct PoolHeader {
  // Blocks currently allocated from this pool (CPython's ref.count).
  uint64_t ref_count;
  // Head of the pool's free-block list; null when the pool is full.
  FreeBlock* freeblock;
  // Neighbours on the size class's used list (used pools), or the next pool
  // on the arena's free-pool list (empty pools, `nextpool` only).
  PoolHeader* nextpool;
  PoolHeader* prevpool;
  // Index of the owning arena in the allocator's arena table.
  uint32_t arenaindex;
  // Size class of the blocks; kNeverUsedClass for a freshly carved pool.
  uint32_t szidx;
  // Offset of the next never-carved block.
  uint32_t nextoffset;
  // The largest valid `nextoffset`: pool_size - block size.
  uint32_t maxnextoffset;
};
static_assert(sizeof(PoolHeader) == kPoolHeaderSize,
              "the pool header is CPython's 48 bytes");

// szidx of a pool that has never held blocks (CPython's DUMMY_SIZE_IDX).
inline constexpr uint32_t kNeverUsedClass = 0xffff;

// One arena's bookkeeping (CPython's arena_object). The table of these lives
// outside the arenas, so an arena can be unmapped while its slot is reused.
struct ArenaObject {
  // Base address from mmap; 0 when the slot holds no arena.
  uintptr_t address = 0;
  // Next pool to carve (a pool_size-aligned high-water mark).
  uintptr_t pool_address = 0;
  // Empty pools: cached ones on `freepools` plus never-carved ones.
  uint32_t nfreepools = 0;
  // Pools in the arena: pools_per_arena, less one if mmap's base was not
  // pool-aligned (that pool is lost to alignment).
  uint32_t ntotalpools = 0;
  // Singly linked list of empty pools, most recently emptied first.
  PoolHeader* freepools = nullptr;
  // The usable-arenas list (arenas with a free pool, by ascending
  // nfreepools), or the unused-slots list (`nextarena` only).
  ArenaObject* nextarena = nullptr;
  ArenaObject* prevarena = nullptr;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_POOL_H_
