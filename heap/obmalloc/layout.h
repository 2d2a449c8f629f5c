// The geometry of the small-object allocator: how big an arena is, how big a
// pool is, and what happens to an arena once it is wholly free.
//
// Two presets follow CPython:
//   classic    256 KiB arenas, 4 KiB pools: CPython up to 3.9 (and 32-bit
//              builds). The default. mmap's 4 KiB alignment always matches
//              the pool size, so no pool is lost to arena alignment.
//   cpython312 1 MiB arenas, 16 KiB pools: 64-bit CPython 3.10 and later.
//              An arena whose base is not 16 KiB-aligned loses one pool.
// Both have 64 pools per arena. Other sizes may be chosen ("custom") as long
// as they are valid: see AllocatorLayout::Create.
#ifndef HEAPD_HEAP_OBMALLOC_LAYOUT_H_
#define HEAPD_HEAP_OBMALLOC_LAYOUT_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace heapd::obmalloc {

// When an arena whose pools are all empty goes back to the OS.
enum class ArenaRelease {
  // CPython 3.9+: at once, unless it is the last arena on the usable list
  // (the one with the most free pools), which is kept to avoid thrashing in
  // loops that would allocate and free an arena every iteration.
  kKeepOne,
  // CPython 3.8: every wholly free arena is unmapped at once.
  kEager,
};

absl::string_view ArenaReleaseName(ArenaRelease release);
absl::StatusOr<ArenaRelease> ParseArenaRelease(absl::string_view name);

class AllocatorLayout {
 public:
  // Smallest pool that holds its header and two 512-byte blocks, rounded up
  // to a power of two. (A pool of one block would go from full to empty in
  // one free, a transition CPython's pools never make.)
  static constexpr size_t kMinPoolSize = 2048;
  // An arena must hold this many pools: one may be lost to alignment, and an
  // arena must not go from full to wholly free in one free.
  static constexpr size_t kMinPoolsPerArena = 4;
  // Pools keep 32-bit offsets; larger pools would also defeat their purpose.
  static constexpr size_t kMaxPoolSize = size_t{1} << 24;
  static constexpr size_t kMaxArenaSize = size_t{1} << 30;

  // 256 KiB arenas, 4 KiB pools, keep-one release.
  static AllocatorLayout Classic();
  // 1 MiB arenas, 16 KiB pools, keep-one release.
  static AllocatorLayout Cpython312();

  // A preset by name ("classic", "cpython312"), or INVALID_ARGUMENT.
  static absl::StatusOr<AllocatorLayout> FromPreset(absl::string_view preset);

  // A layout of the given sizes. INVALID_ARGUMENT, with a message that says
  // which rule was broken, unless: both are powers of two; the pool is
  // between kMinPoolSize and kMaxPoolSize; the arena is at most
  // kMaxArenaSize and holds at least kMinPoolsPerArena pools. A layout with
  // a preset's sizes carries the preset's name; others are "custom".
  static absl::StatusOr<AllocatorLayout> Create(size_t arena_size,
                                                size_t pool_size,
                                                ArenaRelease release);

  size_t arena_size() const { return arena_size_; }
  size_t pool_size() const { return pool_size_; }
  ArenaRelease release() const { return release_; }
  // "classic", "cpython312" or "custom".
  absl::string_view preset() const { return preset_; }
  size_t pools_per_arena() const { return arena_size_ / pool_size_; }
  int arena_shift() const { return arena_shift_; }
  int pool_shift() const { return pool_shift_; }

  // "classic (256 KiB arenas, 4 KiB pools, keep_one)".
  std::string ToString() const;

 private:
  AllocatorLayout(size_t arena_size, size_t pool_size, ArenaRelease release);

  size_t arena_size_;
  size_t pool_size_;
  ArenaRelease release_;
  int arena_shift_;
  int pool_shift_;
  absl::string_view preset_;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_LAYOUT_H_
