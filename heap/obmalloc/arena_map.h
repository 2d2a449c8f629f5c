// ArenaMap answers "which arena owns this address?" in constant time, for any
// address, without reading memory the allocator does not own.
//
// It is CPython 3.10+'s arena map (obmalloc's radix tree) in two levels.
// Addresses are split into an arena-sized "ideal range" key and an offset:
//
//    47                          arena_shift                 0
//   +-------------+--------------+----------------------------+
//   |  root bits  |  leaf bits   |   offset in the ideal range |
//   +-------------+--------------+----------------------------+
//
// mmap only promises page alignment, so an arena based at offset t of ideal
// range k covers [t, end) of range k and [0, t) of range k+1. Each leaf entry
// therefore records two arenas: the one that starts in its range ("hi",
// covering offsets >= hi_tail) and the one that started in the range before
// ("lo", covering offsets < lo_tail). A lookup is two loads and two compares.
//
// Leaves are allocated on demand (zeroed by the OS, untouched until used) and
// kept once allocated, as CPython keeps its nodes.
//
// Not thread-safe: the interpreter lock guards it with the allocator.
#ifndef HEAPD_HEAP_OBMALLOC_ARENA_MAP_H_
#define HEAPD_HEAP_OBMALLOC_ARENA_MAP_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace heapd::obmalloc {

class ArenaMap {
 public:
  // Returned by Find for an address no arena covers.
  static constexpr uint32_t kNoArena = UINT32_MAX;
  // User-space addresses on x86-64 and AArch64 fit in 48 bits; higher ones
  // are never ours.
  static constexpr int kAddressBits = 48;

  // REQUIRES: 10 <= arena_shift <= 30 (arenas of 1 KiB to 1 GiB).
  explicit ArenaMap(int arena_shift);
  ~ArenaMap();
  ArenaMap(const ArenaMap&) = delete;
  ArenaMap& operator=(const ArenaMap&) = delete;

  // Records that arena `index` covers [base, base + arena size). Returns
  // false, changing nothing, when the address is out of range or a leaf
  // could not be allocated. REQUIRES: index != kNoArena; no other arena
  // overlaps the range.
  bool Insert(uintptr_t base, uint32_t index);

  // Forgets the arena based at `base`. REQUIRES: it was inserted.
  void Erase(uintptr_t base);

  // The index of the arena whose range contains `address`, or kNoArena.
  uint32_t Find(uintptr_t address) const {
    if (address >> kAddressBits) return kNoArena;
    const uintptr_t key = address >> arena_shift_;
    const Entry* leaf = root_[key >> kLeafBits];
    if (leaf == nullptr) return kNoArena;
    const Entry& e = leaf[key & kLeafMask];
    const uint32_t tail = static_cast<uint32_t>(address & arena_mask_);
    // Stored indices are index + 1 so that a zeroed entry means "none".
    if (tail < e.lo_tail) return e.lo_arena - 1;
    if (tail >= e.hi_tail && e.hi_arena != 0) return e.hi_arena - 1;
    return kNoArena;
  }

  // Find(address) != kNoArena, for the free path: two compares, as an
  // entry without a "hi" arena keeps hi_tail past every offset.
  bool Contains(uintptr_t address) const {
    if (address >> kAddressBits) return false;
    const uintptr_t key = address >> arena_shift_;
    const Entry* leaf = root_[key >> kLeafBits];
    if (leaf == nullptr) return false;
    const Entry& e = leaf[key & kLeafMask];
    const uint32_t tail = static_cast<uint32_t>(address & arena_mask_);
    return tail < e.lo_tail || tail >= e.hi_tail;
  }

  // Leaves allocated so far, and bytes the map takes (root plus leaves).
  size_t leaf_count() const { return leaf_count_; }
  size_t bytes() const;

 private:
  static constexpr int kLeafBits = 16;
  static constexpr uintptr_t kLeafMask = (uintptr_t{1} << kLeafBits) - 1;

  // hi_tail of an entry no arena starts in: no offset reaches it.
  static constexpr uint32_t kNoTail = UINT32_MAX;

  struct Entry {
    uint32_t hi_arena;  // index + 1 of the arena starting in this range
    uint32_t hi_tail;   // its offset in the range; kNoTail without one
    uint32_t lo_arena;  // index + 1 of the arena that spills into this one
    uint32_t lo_tail;   // offsets below this are that arena's; 0 if none
  };

  Entry* LeafFor(uintptr_t key, bool create);
  size_t root_entries() const { return size_t{1} << root_bits_; }

  const int arena_shift_;
  const uintptr_t arena_mask_;
  const int root_bits_;
  Entry** root_;
  size_t leaf_count_ = 0;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_ARENA_MAP_H_
