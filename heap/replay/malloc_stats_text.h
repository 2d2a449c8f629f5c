// The figures of CPython's _PyObject_DebugMallocStats (the pymalloc part of
// sys._debugmallocstats()), read from its text or computed from heapd's
// SmallObjectStats, in one form so the two can be compared figure by figure.
//
// The arena map's node counts are not among them: CPython's map is a
// three-level tree of 64-bit addresses, heapd's a two-level one (see
// heap/obmalloc/arena_map.h), so their sizes differ by design.
#ifndef HEAPD_HEAP_REPLAY_MALLOC_STATS_TEXT_H_
#define HEAPD_HEAP_REPLAY_MALLOC_STATS_TEXT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/size_class.h"
#include "heap/obmalloc/small_object_allocator.h"

namespace heapd::replay {

struct MallocStatsFigures {
  struct ClassRow {
    uint64_t pools = 0;
    uint64_t blocks_in_use = 0;
    uint64_t available_blocks = 0;
  };
  // CPython prints only the classes with pools; the others are zero here.
  std::array<ClassRow, obmalloc::kNumSizeClasses> classes{};
  uint64_t arenas_allocated_total = 0;
  uint64_t arenas_reclaimed = 0;
  uint64_t arenas_highwater = 0;
  uint64_t arenas_current = 0;
  uint64_t arena_bytes = 0;
  uint64_t bytes_in_allocated_blocks = 0;
  uint64_t bytes_in_available_blocks = 0;
  uint64_t unused_pools = 0;
  uint64_t bytes_in_unused_pools = 0;
  uint64_t bytes_lost_to_pool_headers = 0;
  uint64_t bytes_lost_to_quantization = 0;
  uint64_t bytes_lost_to_arena_alignment = 0;
  uint64_t total = 0;
};

// Reads _PyObject_DebugMallocStats' text (CPython 3.10-3.12's layout).
// INVALID_ARGUMENT naming the line when a figure is missing or a line of
// the size-class table or the arena summary cannot be read.
absl::StatusOr<MallocStatsFigures> ParseDebugMallocStats(
    absl::string_view text);

// The same figures for heapd's small-object allocator.
MallocStatsFigures FiguresOf(const obmalloc::SmallObjectStats& stats,
                             const obmalloc::AllocatorLayout& layout);

struct Figure {
  std::string name;  // "class 3 blocks in use", "arenas highwater mark", ...
  uint64_t value = 0;
};

// Every figure, in the order CPython prints them.
std::vector<Figure> Flatten(const MallocStatsFigures& figures);

// The first figure that differs, as "NAME: CPython X, heapd Y"; nullopt when
// all are equal.
std::optional<std::string> FirstDifference(const MallocStatsFigures& cpython,
                                           const MallocStatsFigures& heapd);

}  // namespace heapd::replay

#endif  // HEAPD_HEAP_REPLAY_MALLOC_STATS_TEXT_H_
