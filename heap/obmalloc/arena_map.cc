#include "heap/obmalloc/arena_map.h"

#include <sys/mman.h>

#include <cassert>
#include <cstdlib>

namespace heapd::obmalloc {
namespace {

// Zeroed memory straight from the OS: untouched pages cost nothing, which
// matters for the root and for leaves that cover mostly unused ranges.
void* MapZeroed(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

ArenaMap::ArenaMap(int arena_shift)
    : arena_shift_(arena_shift),
      arena_mask_((uintptr_t{1} << arena_shift) - 1),
      root_bits_(kAddressBits - arena_shift - kLeafBits) {
  assert(arena_shift >= 10 && arena_shift <= 30);
  root_ = static_cast<Entry**>(MapZeroed(root_entries() * sizeof(Entry*)));
  if (root_ == nullptr) std::abort();  // At start-up: nothing to fall back on.
}

ArenaMap::~ArenaMap() {
  const size_t leaf_bytes = (size_t{1} << kLeafBits) * sizeof(Entry);
  for (size_t i = 0; i < root_entries(); ++i) {
    if (root_[i] != nullptr) munmap(root_[i], leaf_bytes);
  }
  munmap(root_, root_entries() * sizeof(Entry*));
}

size_t ArenaMap::bytes() const {
  return root_entries() * sizeof(Entry*) +
         leaf_count_ * (size_t{1} << kLeafBits) * sizeof(Entry);
}

ArenaMap::Entry* ArenaMap::LeafFor(uintptr_t key, bool create) {
  const uintptr_t slot = key >> kLeafBits;
  if (slot >= root_entries()) return nullptr;
  if (root_[slot] == nullptr && create) {
    Entry* leaf = static_cast<Entry*>(
        MapZeroed((size_t{1} << kLeafBits) * sizeof(Entry)));
    if (leaf != nullptr) {
      // Touches the leaf's pages once (1 MiB); every later lookup in its
      // 2^16 ranges is then two compares.
      for (size_t i = 0; i < (size_t{1} << kLeafBits); ++i) {
        leaf[i].hi_tail = kNoTail;
      }
      root_[slot] = leaf;
      ++leaf_count_;
    }
  }
  return root_[slot];
}

bool ArenaMap::Insert(uintptr_t base, uint32_t index) {
  assert(index != kNoArena);
  const uintptr_t last = base + arena_mask_;
  if (last >> kAddressBits) return false;
  const uintptr_t key = base >> arena_shift_;
  const uint32_t tail = static_cast<uint32_t>(base & arena_mask_);
  Entry* first_leaf = LeafFor(key, /*create=*/true);
  if (first_leaf == nullptr) return false;
  Entry* next_leaf = nullptr;
  if (tail != 0) {
    next_leaf = LeafFor(key + 1, /*create=*/true);
    if (next_leaf == nullptr) return false;
  }
  Entry& here = first_leaf[key & kLeafMask];
  here.hi_arena = index + 1;
  here.hi_tail = tail;
  if (tail != 0) {
    Entry& spill = next_leaf[(key + 1) & kLeafMask];
    spill.lo_arena = index + 1;
    spill.lo_tail = tail;
  }
  return true;
}

void ArenaMap::Erase(uintptr_t base) {
  const uintptr_t key = base >> arena_shift_;
  const uint32_t tail = static_cast<uint32_t>(base & arena_mask_);
  Entry* leaf = LeafFor(key, /*create=*/false);
  assert(leaf != nullptr);
  Entry& here = leaf[key & kLeafMask];
  here.hi_arena = 0;
  here.hi_tail = kNoTail;
  if (tail != 0) {
    Entry* next_leaf = LeafFor(key + 1, /*create=*/false);
    assert(next_leaf != nullptr);
    Entry& spill = next_leaf[(key + 1) & kLeafMask];
    spill.lo_arena = 0;
    spill.lo_tail = 0;
  }
}

}  // namespace heapd::obmalloc
