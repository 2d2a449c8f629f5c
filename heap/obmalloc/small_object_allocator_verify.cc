// SmallObjectAllocator::Verify: every invariant of arenas, pools, free
// lists, the used and usable lists and the counters, checked by a walk.
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "heap/obmalloc/invariant.h"
#include "heap/obmalloc/small_object_allocator.h"

namespace heapd::obmalloc {
namespace {

template <typename... Args>
absl::Status Broken(const absl::FormatSpec<Args...>& format,
                    const Args&... args) {
  return InvariantBroken("allocator", format, args...);
}

}  // namespace

absl::Status SmallObjectAllocator::VerifyPool(const PoolHeader* pool) const {
  const auto base = reinterpret_cast<uintptr_t>(pool);
  if (pool->szidx >= kNumSizeClasses) {
    return Broken("pool %#x holds blocks but has size class %u", base,
                  pool->szidx);
  }
  const int c = static_cast<int>(pool->szidx);
  const size_t size = BlockSizeOf(c);
  const size_t nblocks = BlocksPerPool(c, layout_.pool_size());
  if (pool->maxnextoffset != layout_.pool_size() - size) {
    return Broken("pool %#x: maxnextoffset %u, expected %u", base,
                  pool->maxnextoffset, layout_.pool_size() - size);
  }
  if (pool->nextoffset < kPoolHeaderSize + size ||
      (pool->nextoffset - kPoolHeaderSize) % size != 0 ||
      pool->nextoffset > kPoolHeaderSize + nblocks * size) {
    return Broken("pool %#x: nextoffset %u is not a block boundary", base,
                  pool->nextoffset);
  }
  const size_t carved = (pool->nextoffset - kPoolHeaderSize) / size;
  if (pool->ref_count > carved) {
    return Broken("pool %#x: %u blocks in use but only %u carved", base,
                  pool->ref_count, carved);
  }
  // Walk the free list: every block inside the carved part, on a block
  // boundary, seen once.
  std::vector<bool> seen(carved, false);
  size_t free_blocks = 0;
  for (const FreeBlock* b = pool->freeblock; b != nullptr; b = b->next) {
    const auto offset = reinterpret_cast<uintptr_t>(b) - base;
    if (offset < kPoolHeaderSize || offset >= pool->nextoffset ||
        (offset - kPoolHeaderSize) % size != 0) {
      return Broken("pool %#x: free block at offset %u is not a carved block",
                    base, offset);
    }
    const size_t i = (offset - kPoolHeaderSize) / size;
    if (seen[i]) {
      return Broken("pool %#x: block %u is on the free list twice", base, i);
    }
    seen[i] = true;
    if (++free_blocks > carved) break;
  }
  if (free_blocks + pool->ref_count != carved) {
    return Broken("pool %#x: %u free + %u in use != %u carved blocks", base,
                  free_blocks, pool->ref_count, carved);
  }
  const bool full = pool->ref_count == nblocks;
  if (full != (pool->freeblock == nullptr)) {
    return Broken("pool %#x: %u of %u blocks in use but free list %s", base,
                  pool->ref_count, nblocks,
                  pool->freeblock == nullptr ? "empty" : "not empty");
  }
  return absl::OkStatus();
}

absl::Status SmallObjectAllocator::VerifyArena(
    const ArenaObject& arena, std::array<size_t, kNumSizeClasses>& in_use,
    size_t& used_pools) const {
  const uint32_t index = IndexOf(&arena);
  const size_t pool_size = layout_.pool_size();
  const uintptr_t first = FirstPool(arena.address);
  const uintptr_t end = arena.address + layout_.arena_size();
  const uint32_t expected_total = static_cast<uint32_t>(
      layout_.pools_per_arena() - (first != arena.address ? 1 : 0));
  if (arena.ntotalpools != expected_total) {
    return Broken("arena %u: %u pools, expected %u", index, arena.ntotalpools,
                  expected_total);
  }
  if (arena_map_.Find(arena.address) != index ||
      arena_map_.Find(end - 1) != index) {
    return Broken("arena %u at %#x is not in the arena map", index,
                  arena.address);
  }
  if (arena_map_.Find(arena.address - 1) == index ||
      arena_map_.Find(end) == index) {
    return Broken("arena map gives arena %u addresses outside it", index);
  }
  if (arena.pool_address < first ||
      arena.pool_address > first + size_t{arena.ntotalpools} * pool_size ||
      (arena.pool_address - first) % pool_size != 0) {
    return Broken("arena %u: pool_address %#x out of range", index,
                  arena.pool_address);
  }
  const size_t carved_pools = (arena.pool_address - first) / pool_size;

  absl::flat_hash_set<uintptr_t> cached;
  for (const PoolHeader* p = arena.freepools; p != nullptr; p = p->nextpool) {
    const auto address = reinterpret_cast<uintptr_t>(p);
    if (address < first || address >= arena.pool_address ||
        (address - first) % pool_size != 0) {
      return Broken("arena %u: free pool %#x is not a carved pool", index,
                    address);
    }
    if (!cached.insert(address).second) {
      return Broken("arena %u: pool %#x is on the free-pool list twice", index,
                    address);
    }
    if (p->ref_count != 0) {
      return Broken("arena %u: pool %#x on the free-pool list has %u blocks",
                    index, address, p->ref_count);
    }
  }
  if (cached.size() + (arena.ntotalpools - carved_pools) != arena.nfreepools) {
    return Broken("arena %u: nfreepools %u != %u cached + %u never carved",
                  index, arena.nfreepools, cached.size(),
                  arena.ntotalpools - carved_pools);
  }
  for (uintptr_t a = first; a < arena.pool_address; a += pool_size) {
    const auto* pool = reinterpret_cast<const PoolHeader*>(a);
    if (pool->arenaindex != index) {
      return Broken("pool %#x names arena %u, lives in arena %u", a,
                    pool->arenaindex, index);
    }
    if (cached.contains(a)) continue;
    if (pool->ref_count == 0) {
      return Broken("pool %#x is empty but not on its arena's free list", a);
    }
    if (absl::Status s = VerifyPool(pool); !s.ok()) return s;
    in_use[pool->szidx] += pool->ref_count;
    if (pool->ref_count < BlocksPerPool(pool->szidx, pool_size)) ++used_pools;
  }
  if (layout_.release() == ArenaRelease::kEager &&
      arena.nfreepools == arena.ntotalpools) {
    return Broken("arena %u is wholly free but was not released (eager)",
                  index);
  }
  return absl::OkStatus();
}

absl::Status SmallObjectAllocator::VerifyLists(size_t used_pools) const {
  // Used lists: every pool used (neither empty nor full) and of its class.
  size_t listed = 0;
  for (int c = 0; c < kNumSizeClasses; ++c) {
    const PoolHeader* prev = nullptr;
    for (const PoolHeader* p = usedpools_[c]; p != nullptr; p = p->nextpool) {
      if (p->prevpool != prev) {
        return Broken("used list %d: broken back link at pool %#x", c,
                      reinterpret_cast<uintptr_t>(p));
      }
      if (p->szidx != static_cast<uint32_t>(c) || p->ref_count == 0 ||
          p->ref_count >= BlocksPerPool(c, layout_.pool_size())) {
        return Broken("used list %d holds pool %#x (class %u, %u blocks)", c,
                      reinterpret_cast<uintptr_t>(p), p->szidx, p->ref_count);
      }
      if (++listed > used_pools) break;
      prev = p;
    }
  }
  if (listed != used_pools) {
    return Broken("%u pools on the used lists, %u used pools in the arenas",
                  listed, used_pools);
  }

  // Usable arenas: exactly those with a free pool, by ascending count, and
  // nfp2lasta pointing at the last arena of each count.
  std::vector<const ArenaObject*> expected_last(nfp2lasta_.size(), nullptr);
  size_t usable = 0;
  const ArenaObject* prev = nullptr;
  for (const ArenaObject* a = usable_arenas_; a != nullptr; a = a->nextarena) {
    if (a->prevarena != prev) {
      return Broken("usable arenas: broken back link at arena %u", IndexOf(a));
    }
    if (a->address == 0 || a->nfreepools == 0) {
      return Broken("usable arenas: arena %u has no free pool", IndexOf(a));
    }
    if (prev != nullptr && prev->nfreepools > a->nfreepools) {
      return Broken("usable arenas out of order: %u free pools before %u",
                    prev->nfreepools, a->nfreepools);
    }
    expected_last[a->nfreepools] = a;
    if (++usable > arenas_.size()) break;
    prev = a;
  }
  size_t with_free_pools = 0;
  for (const ArenaObject& a : arenas_) {
    if (a.address != 0 && a.nfreepools > 0) ++with_free_pools;
  }
  if (usable != with_free_pools) {
    return Broken("%u arenas on the usable list, %u have free pools", usable,
                  with_free_pools);
  }
  for (size_t k = 1; k < nfp2lasta_.size(); ++k) {
    if (nfp2lasta_[k] != expected_last[k]) {
      return Broken(
          "nfp2lasta[%u] does not point at the last arena with %u "
          "free pools",
          k, k);
    }
  }
  return absl::OkStatus();
}

absl::Status SmallObjectAllocator::Verify() const {
  std::array<size_t, kNumSizeClasses> in_use{};
  size_t used_pools = 0;
  size_t current = 0;
  for (const ArenaObject& arena : arenas_) {
    if (arena.address == 0) continue;
    ++current;
    if (absl::Status s = VerifyArena(arena, in_use, used_pools); !s.ok()) {
      return s;
    }
  }
  if (current != narenas_currently_allocated_) {
    return Broken("%u arenas mapped, counter says %u", current,
                  narenas_currently_allocated_);
  }
  if (narenas_highwater_ < current || ntimes_arena_allocated_ < current) {
    return Broken("arena high-water mark or total below the current count");
  }
  size_t unused_slots = 0;
  for (const ArenaObject* a = unused_arena_objects_; a != nullptr;
       a = a->nextarena) {
    if (a->address != 0) {
      return Broken("arena slot %u is on the unused list but holds an arena",
                    IndexOf(a));
    }
    if (++unused_slots > arenas_.size()) break;
  }
  if (unused_slots + current != arenas_.size()) {
    return Broken("%u unused + %u allocated arena slots != %u slots",
                  unused_slots, current, arenas_.size());
  }
  for (int c = 0; c < kNumSizeClasses; ++c) {
    if (in_use[c] != blocks_in_use_[c]) {
      return Broken("class %d: %u blocks in use in pools, counter says %u", c,
                    in_use[c], blocks_in_use_[c]);
    }
  }
  return VerifyLists(used_pools);
}

}  // namespace heapd::obmalloc
