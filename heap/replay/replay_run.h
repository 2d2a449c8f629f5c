// Replays a whole trace (trace_format.h) through heapd's allocator
// (PymallocReplayer) and, optionally, glibc's (GlibcReplayer), comparing
// heapd's figures with CPython's recorded _PyObject_DebugMallocStats text at
// every checkpoint.
//
// The calls are decoded in batches between checkpoints and each batch is
// timed alone, once per allocator, so the rates count allocator work, not
// decoding.
#ifndef HEAPD_HEAP_REPLAY_REPLAY_RUN_H_
#define HEAPD_HEAP_REPLAY_REPLAY_RUN_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/small_object_allocator.h"
#include "heap/replay/trace_format.h"

namespace heapd::replay {

struct ReplayOptions {
  // The arena and pool sizes to replay with: a preset's ("classic",
  // "cpython312"), or empty for the recorded ones.
  std::string preset;
  obmalloc::ArenaRelease release = obmalloc::ArenaRelease::kKeepOne;
  // Give each arena the recorded arena's offset from a pool boundary; when
  // false, arenas go wherever mmap puts them.
  bool place_arenas = true;
  // Also replay through glibc, for its rate.
  bool glibc = true;
};

struct ReplayReport {
  TraceHeader header;
  std::string layout;     // AllocatorLayout::ToString of the replay's layout
  size_t arena_size = 0;  // the replay's
  uint64_t calls = 0;
  uint64_t checkpoints = 0;
  // Whether checkpoints were compared: only when the replay's layout is the
  // recorded one with CPython's arena release (keep_one).
  bool compared = false;
  uint64_t checkpoints_equal = 0;
  // The first difference: "checkpoint 3 (after call 300000): class 2
  // pools: CPython 5, heapd 6", or the first realloc heapd decided
  // otherwise than CPython; empty when none.
  std::string first_difference;
  // Seconds spent in each allocator (glibc: 0 when not replayed).
  double heapd_seconds = 0;
  double glibc_seconds = 0;
  // heapd's figures at the checkpoint with the most arenas (the first of
  // equals; zero when there is no checkpoint), and after the last call.
  uint64_t fullest_checkpoint = 0;
  obmalloc::SmallObjectStats fullest_stats;
  obmalloc::SmallObjectStats final_stats;
  // Arenas heapd mapped beyond those recorded, and recorded arenas heapd
  // never mapped: both zero when heapd mapped exactly CPython's arenas.
  uint64_t arenas_unmatched = 0;
  uint64_t arenas_unused = 0;
};

// INVALID_ARGUMENT for an unknown preset or a recorded layout heapd cannot
// take; the
// reader's errors for a damaged trace; FAILED_PRECONDITION when the trace
// uses a block id in a way no allocator could (e.g. frees it twice).
absl::StatusOr<ReplayReport> ReplayTrace(std::FILE* trace,
                                         const ReplayOptions& options);

}  // namespace heapd::replay

#endif  // HEAPD_HEAP_REPLAY_REPLAY_RUN_H_
