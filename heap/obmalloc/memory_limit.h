// MemoryLimit: a ceiling on the memory the heap takes from the OS.
//
// CPython raises MemoryError when the OS refuses memory. heapd lets the
// operator set that point (--max_heap_bytes): the small-object allocator
// charges each arena it maps (arena_size bytes) and the raw domain each
// block it mallocs; a charge that would pass the limit is refused, and the
// allocator answers null exactly as if mmap or malloc had failed. Blocks
// inside arenas already mapped cost nothing, so the limit bites where
// CPython's memory would grow, not on every allocation.
//
// A limit of 0 means none. The charged total is kept even without a limit,
// so Stats can show it.
//
// Example:
//   MemoryLimit limit(1 << 20);
//   limit.TryCharge(256 * 1024);   // true
//   limit.TryCharge(1 << 20);      // false: would pass 1 MiB; refused() == 1
//   limit.Release(256 * 1024);
//
// Not thread-safe: the interpreter lock serializes all access.
#ifndef HEAPD_HEAP_OBMALLOC_MEMORY_LIMIT_H_
#define HEAPD_HEAP_OBMALLOC_MEMORY_LIMIT_H_

#include <cstddef>
#include <cstdint>

namespace heapd::obmalloc {

class MemoryLimit {
 public:
  explicit MemoryLimit(size_t limit_bytes = 0) : limit_(limit_bytes) {}

  // Adds `bytes` to the charged total and returns true, unless a limit is
  // set and the total would pass it: then returns false and counts a refusal.
  bool TryCharge(size_t bytes) {
    if (limit_ != 0 && (bytes > limit_ || charged_ > limit_ - bytes)) {
      ++refused_;
      return false;
    }
    charged_ += bytes;
    return true;
  }
  // REQUIRES: `bytes` were charged and not yet released.
  void Release(size_t bytes) { charged_ -= bytes; }

  size_t limit() const { return limit_; }
  void set_limit(size_t limit_bytes) { limit_ = limit_bytes; }
  size_t charged() const { return charged_; }
  uint64_t refused() const { return refused_; }

 private:
  size_t limit_;
  size_t charged_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_MEMORY_LIMIT_H_
