// SmallObjectAllocator: arenas, pools and blocks. The invariant checks
// (Verify) are in small_object_allocator_verify.cc.
#include "heap/obmalloc/small_object_allocator.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cassert>
#include <numeric>

namespace heapd::obmalloc {
namespace {

// The arena table starts with this many slots and doubles when exhausted
// (CPython's INITIAL_ARENA_OBJECTS).
constexpr size_t kInitialArenaObjects = 16;

}  // namespace

SmallObjectAllocator::SmallObjectAllocator(const AllocatorLayout& layout,
                                           MemoryLimit* limit)
    : layout_(layout),
      pool_mask_(layout.pool_size() - 1),
      nfp2lasta_(layout.pools_per_arena() + 1, nullptr),
      arena_map_(layout.arena_shift()),
      limit_(limit) {}

SmallObjectAllocator::~SmallObjectAllocator() {
  for (const ArenaObject& arena : arenas_) {
    if (arena.address != 0) {
      munmap(reinterpret_cast<void*>(arena.address), layout_.arena_size());
      if (limit_ != nullptr) limit_->Release(layout_.arena_size());
    }
  }
}

size_t SmallObjectAllocator::blocks_in_use() const {
  return std::accumulate(blocks_in_use_.begin(), blocks_in_use_.end(),
                         size_t{0});
}

// The pool's free list ran dry: hand out its next never-carved block, or, if
// every block has been carved, the pool is full and leaves the used list.
void SmallObjectAllocator::ExtendPool(PoolHeader* pool) {
  if (pool->nextoffset <= pool->maxnextoffset) {
    auto* block = reinterpret_cast<FreeBlock*>(reinterpret_cast<char*>(pool) +
                                               pool->nextoffset);
    block->next = nullptr;
    pool->freeblock = block;
    pool->nextoffset += static_cast<uint32_t>(BlockSizeOf(pool->szidx));
    return;
  }
  // Full. It is the head of its list: allocation always uses the head.
  assert(usedpools_[pool->szidx] == pool);
  UnlinkUsedPool(pool);
}

void SmallObjectAllocator::UnlinkUsedPool(PoolHeader* pool) {
  PoolHeader* next = pool->nextpool;
  PoolHeader* prev = pool->prevpool;
  if (prev != nullptr) {
    prev->nextpool = next;
  } else {
    usedpools_[pool->szidx] = next;
  }
  if (next != nullptr) next->prevpool = prev;
  pool->nextpool = nullptr;
  pool->prevpool = nullptr;
}

void SmallObjectAllocator::UnlinkUsableArena(ArenaObject* arena) {
  if (arena->prevarena != nullptr) {
    arena->prevarena->nextarena = arena->nextarena;
  } else {
    usable_arenas_ = arena->nextarena;
  }
  if (arena->nextarena != nullptr) {
    arena->nextarena->prevarena = arena->prevarena;
  }
  arena->nextarena = nullptr;
  arena->prevarena = nullptr;
}

ArenaObject* SmallObjectAllocator::NewArena() {
  if (unused_arena_objects_ == nullptr) {
    // Growing the table moves it; nothing may point into it now. That holds
    // because a new arena is only needed when no arena is usable, and full
    // arenas are on no list.
    assert(usable_arenas_ == nullptr);
    const size_t old_size = arenas_.size();
    const size_t new_size = old_size == 0 ? kInitialArenaObjects : 2 * old_size;
    if (new_size > ArenaMap::kNoArena) return nullptr;
    arenas_.resize(new_size);
    // Chain the new slots, lowest index first.
    for (size_t i = old_size; i < new_size; ++i) {
      arenas_[i].nextarena = i + 1 < new_size ? &arenas_[i + 1] : nullptr;
    }
    unused_arena_objects_ = &arenas_[old_size];
  }

  ArenaObject* arena = unused_arena_objects_;
  // The operator's ceiling (--max_heap_bytes) refuses like the OS would.
  if (limit_ != nullptr && !limit_->TryCharge(layout_.arena_size())) {
    return nullptr;
  }
  void* base = MapArena();
  const auto address = reinterpret_cast<uintptr_t>(base);
  if (base == MAP_FAILED || !arena_map_.Insert(address, IndexOf(arena))) {
    if (base != MAP_FAILED) munmap(base, layout_.arena_size());
    if (limit_ != nullptr) limit_->Release(layout_.arena_size());
    return nullptr;
  }
  unused_arena_objects_ = arena->nextarena;

  arena->address = address;
  arena->freepools = nullptr;
  arena->nextarena = nullptr;
  arena->prevarena = nullptr;
  arena->pool_address = FirstPool(address);
  uint32_t pools = static_cast<uint32_t>(layout_.pools_per_arena());
  if (arena->pool_address != address) --pools;  // lost to alignment
  arena->nfreepools = pools;
  arena->ntotalpools = pools;

  ++narenas_currently_allocated_;
  ++ntimes_arena_allocated_;
  if (narenas_currently_allocated_ > narenas_highwater_) {
    narenas_highwater_ = narenas_currently_allocated_;
  }
  return arena;
}

void* SmallObjectAllocator::MapArena() {
  const size_t arena_size = layout_.arena_size();
  if (!arena_offset_source_) {
    return mmap(nullptr, arena_size, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  // mmap places at page boundaries: the offset is taken modulo the pool
  // and rounded down to a page.
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t offset = (arena_offset_source_() & pool_mask_) / page * page;
  // Map a pool more than needed, so that a base with the wanted offset lies
  // inside, and give back the slack on both sides.
  const size_t span = arena_size + layout_.pool_size();
  void* mapped = mmap(nullptr, span, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return MAP_FAILED;
  const auto start = reinterpret_cast<uintptr_t>(mapped);
  // The first address at or after `start` with the wanted offset: less
  // than a pool past it, so the arena ends inside the mapping.
  uintptr_t chosen = (start & ~pool_mask_) + offset;
  if (chosen < start) chosen += layout_.pool_size();
  if (chosen > start) munmap(mapped, chosen - start);
  const uintptr_t end = start + span;
  if (chosen + arena_size < end) {
    munmap(reinterpret_cast<void*>(chosen + arena_size),
           end - (chosen + arena_size));
  }
  return reinterpret_cast<void*>(chosen);
}

void* SmallObjectAllocator::AllocateFromNewPool(int size_class) {
  if (usable_arenas_ == nullptr) {
    ArenaObject* arena = NewArena();
    if (arena == nullptr) return nullptr;
    usable_arenas_ = arena;
    assert(nfp2lasta_[arena->nfreepools] == nullptr);
    nfp2lasta_[arena->nfreepools] = arena;
  }
  ArenaObject* arena = usable_arenas_;
  assert(arena->nfreepools > 0);

  // The head arena is about to lose a free pool. It has the fewest already,
  // so the list stays sorted; only the nfp2lasta fingers move.
  if (nfp2lasta_[arena->nfreepools] == arena) {
    nfp2lasta_[arena->nfreepools] = nullptr;
  }
  if (arena->nfreepools > 1) {
    assert(nfp2lasta_[arena->nfreepools - 1] == nullptr);
    nfp2lasta_[arena->nfreepools - 1] = arena;
  }

  PoolHeader* pool = arena->freepools;
  if (pool != nullptr) {
    arena->freepools = pool->nextpool;
  } else {
    pool = reinterpret_cast<PoolHeader*>(arena->pool_address);
    pool->arenaindex = IndexOf(arena);
    pool->szidx = kNeverUsedClass;
    arena->pool_address += layout_.pool_size();
  }
  if (--arena->nfreepools == 0) {
    // Wholly allocated: a full arena is on no list.
    UnlinkUsableArena(arena);
  }

  // The class's used list was empty: the pool becomes its only member.
  usedpools_[size_class] = pool;
  pool->nextpool = nullptr;
  pool->prevpool = nullptr;
  pool->ref_count = 1;
  ++blocks_in_use_[size_class];
  ++allocations_total_;

  if (pool->szidx == static_cast<uint32_t>(size_class)) {
    // It last held blocks of this class: its free list is intact.
    FreeBlock* block = pool->freeblock;
    pool->freeblock = block->next;
    if (pool->freeblock == nullptr) ExtendPool(pool);
    return block;
  }

  // Set up the first two blocks; the rest stay untouched until needed.
  const uint32_t size = static_cast<uint32_t>(BlockSizeOf(size_class));
  pool->szidx = static_cast<uint32_t>(size_class);
  char* first = reinterpret_cast<char*>(pool) + kPoolHeaderSize;
  pool->nextoffset = static_cast<uint32_t>(kPoolHeaderSize) + 2 * size;
  pool->maxnextoffset = static_cast<uint32_t>(layout_.pool_size()) - size;
  pool->freeblock = reinterpret_cast<FreeBlock*>(first + size);
  pool->freeblock->next = nullptr;
  return first;
}

// A block was freed from a full pool: the pool is used again and goes to the
// front of its class's list, so the next request reuses the block at once
// (CPython: "mimics LRU pool usage").
void SmallObjectAllocator::InsertFullPoolIntoUsedList(PoolHeader* pool) {
  PoolHeader* head = usedpools_[pool->szidx];
  pool->nextpool = head;
  pool->prevpool = nullptr;
  if (head != nullptr) head->prevpool = pool;
  usedpools_[pool->szidx] = pool;
}

// The pool's last block was freed. The pool goes to its arena's free-pool
// list (LIFO, so pools emptied long ago can stay paged out) and the arena
// moves: see the four cases below.
void SmallObjectAllocator::ReturnEmptyPoolToArena(PoolHeader* pool) {
  UnlinkUsedPool(pool);
  ArenaObject* arena = &arenas_[pool->arenaindex];
  pool->nextpool = arena->freepools;
  arena->freepools = pool;

  uint32_t nf = arena->nfreepools;
  // If this arena was the last with nf free pools, the one before it takes
  // that place when it has nf too. (nf == 0: a full arena, on no list.)
  ArenaObject* lastnf = nfp2lasta_[nf];
  if (lastnf == arena) {
    ArenaObject* prev = arena->prevarena;
    nfp2lasta_[nf] =
        (prev != nullptr && prev->nfreepools == nf) ? prev : nullptr;
  }
  arena->nfreepools = ++nf;

  // Case 1: the arena is wholly free. It goes back to the OS, unless the
  // policy keeps it because it is the last on the usable list.
  if (nf == arena->ntotalpools && (layout_.release() == ArenaRelease::kEager ||
                                   arena->nextarena != nullptr)) {
    UnlinkUsableArena(arena);
    ReleaseArena(arena);
    return;
  }

  // Case 2: the arena was full, so on no list. With one free pool it has
  // the fewest of all: it goes first.
  if (nf == 1) {
    arena->nextarena = usable_arenas_;
    arena->prevarena = nullptr;
    if (usable_arenas_ != nullptr) usable_arenas_->prevarena = arena;
    usable_arenas_ = arena;
    if (nfp2lasta_[1] == nullptr) nfp2lasta_[1] = arena;
    return;
  }

  if (nfp2lasta_[nf] == nullptr) nfp2lasta_[nf] = arena;

  // Case 4: it was the last arena with nf - 1 free pools, so whatever
  // follows has at least nf: still in order.
  if (arena == lastnf) return;

  // Case 3: slide it right, to just after the last arena with nf - 1 free
  // pools. One unlink and one insert, thanks to nfp2lasta.
  assert(lastnf != nullptr && arena->nextarena != nullptr);
  UnlinkUsableArena(arena);
  arena->prevarena = lastnf;
  arena->nextarena = lastnf->nextarena;
  if (lastnf->nextarena != nullptr) lastnf->nextarena->prevarena = arena;
  lastnf->nextarena = arena;
}

void SmallObjectAllocator::ReleaseArena(ArenaObject* arena) {
  arena_map_.Erase(arena->address);
  munmap(reinterpret_cast<void*>(arena->address), layout_.arena_size());
  if (limit_ != nullptr) limit_->Release(layout_.arena_size());
  arena->address = 0;
  arena->pool_address = 0;
  arena->freepools = nullptr;
  arena->nfreepools = 0;
  arena->ntotalpools = 0;
  arena->prevarena = nullptr;
  arena->nextarena = unused_arena_objects_;
  unused_arena_objects_ = arena;
  --narenas_currently_allocated_;
}

bool SmallObjectAllocator::Locate(const void* p,
                                  BlockLocation* location) const {
  const auto address = reinterpret_cast<uintptr_t>(p);
  const uint32_t index = arena_map_.Find(address);
  if (index == ArenaMap::kNoArena) return false;
  const ArenaObject& arena = arenas_[index];
  const uintptr_t pool_address = address & ~pool_mask_;
  if (pool_address < FirstPool(arena.address) ||
      pool_address >= arena.pool_address) {
    return false;  // alignment slack or a pool never carved
  }
  const auto* pool = reinterpret_cast<const PoolHeader*>(pool_address);
  if (pool->szidx >= kNumSizeClasses ||
      address - pool_address < kPoolHeaderSize) {
    return false;
  }
  location->arena_index = index;
  location->arena_base = arena.address;
  location->pool = pool_address;
  location->size_class = static_cast<int>(pool->szidx);
  return true;
}

SmallObjectStats SmallObjectAllocator::Stats() const {
  SmallObjectStats stats;
  const size_t pool_size = layout_.pool_size();
  for (int c = 0; c < kNumSizeClasses; ++c) {
    SizeClassStats& row = stats.size_classes[c];
    row.size_class = c;
    row.block_size = BlockSizeOf(c);
    row.blocks_per_pool = BlocksPerPool(c, pool_size);
  }
  for (const ArenaObject& arena : arenas_) {
    if (arena.address == 0) continue;
    ++stats.arenas_current;
    stats.unused_pools += arena.nfreepools;
    if (FirstPool(arena.address) != arena.address) {
      stats.bytes_lost_to_arena_alignment += pool_size;
    }
    for (uintptr_t p = FirstPool(arena.address); p < arena.pool_address;
         p += pool_size) {
      const auto* pool = reinterpret_cast<const PoolHeader*>(p);
      // Empty pools count as unused, even if they remember a class.
      if (pool->ref_count == 0) continue;
      SizeClassStats& row = stats.size_classes[pool->szidx];
      ++row.pools;
      row.blocks_in_use += pool->ref_count;
      row.available_blocks += row.blocks_per_pool - pool->ref_count;
    }
  }
  for (const SizeClassStats& row : stats.size_classes) {
    stats.bytes_in_allocated_blocks += row.blocks_in_use * row.block_size;
    stats.bytes_in_available_blocks += row.available_blocks * row.block_size;
    stats.bytes_lost_to_pool_headers += row.pools * kPoolHeaderSize;
    stats.bytes_lost_to_quantization +=
        row.pools * QuantizationLossPerPool(row.size_class, pool_size);
  }
  stats.bytes_in_unused_pools = stats.unused_pools * pool_size;
  stats.bytes_total =
      stats.bytes_in_allocated_blocks + stats.bytes_in_available_blocks +
      stats.bytes_in_unused_pools + stats.bytes_lost_to_pool_headers +
      stats.bytes_lost_to_quantization + stats.bytes_lost_to_arena_alignment;
  stats.arena_bytes = stats.arenas_current * layout_.arena_size();

  stats.arenas_allocated_total = ntimes_arena_allocated_;
  stats.arenas_reclaimed =
      ntimes_arena_allocated_ - narenas_currently_allocated_;
  stats.arenas_highwater = narenas_highwater_;
  stats.arena_map_leaves = arena_map_.leaf_count();
  stats.arena_map_bytes = arena_map_.bytes();
  stats.allocations_total = allocations_total_;
  stats.frees_total = allocations_total_ - blocks_in_use();
  return stats;
}

std::vector<ArenaOccupancy> SmallObjectAllocator::Occupancy() const {
  std::vector<ArenaOccupancy> arenas;
  arenas.reserve(narenas_currently_allocated_);
  const size_t pool_size = layout_.pool_size();
  for (const ArenaObject& arena : arenas_) {
    if (arena.address == 0) continue;
    ArenaOccupancy& row = arenas.emplace_back();
    row.index = IndexOf(&arena);
    row.pools.resize(arena.ntotalpools);
    size_t i = 0;
    for (uintptr_t p = FirstPool(arena.address);
         p < arena.pool_address && i < row.pools.size(); p += pool_size, ++i) {
      const auto* pool = reinterpret_cast<const PoolHeader*>(p);
      if (pool->ref_count == 0) {
        row.pools[i].size_class = kEmptyPoolClass;
        continue;
      }
      row.pools[i].size_class = static_cast<uint8_t>(pool->szidx);
      row.pools[i].blocks_in_use = static_cast<uint32_t>(pool->ref_count);
    }
    // Pools past the high-water mark were never carved: empty.
    for (; i < row.pools.size(); ++i) {
      row.pools[i].size_class = kEmptyPoolClass;
    }
  }
  return arenas;
}

}  // namespace heapd::obmalloc
