// RawAllocator: the domain that serves what the small-object allocator does
// not: requests over 512 bytes, and requests of 0 bytes (as CPython's
// PyMem_RawMalloc, which allocates 1 byte so that 0 never yields NULL).
//
// It is the C allocator with accounting. CPython counts nothing here; heapd
// keeps blocks and bytes in use, a high-water mark and call totals, so the
// stats show where large objects' memory goes. To know a block's size on
// free it keeps a 16-byte prefix before the block (the block stays 16-byte
// aligned).
//
// Not thread-safe: the interpreter lock serializes all access.
#ifndef HEAPD_HEAP_OBMALLOC_RAW_ALLOCATOR_H_
#define HEAPD_HEAP_OBMALLOC_RAW_ALLOCATOR_H_

#include <cstddef>

#include "heap/obmalloc/memory_limit.h"

namespace heapd::obmalloc {

struct RawDomainStats {
  size_t blocks_in_use = 0;
  size_t bytes_in_use = 0;
  size_t bytes_highwater = 0;
  size_t allocations_total = 0;
  size_t frees_total = 0;
};

class RawAllocator {
 public:
  // `limit`, if not null, is charged every block's size and must outlive
  // the allocator; a refused charge is treated as malloc failing.
  explicit RawAllocator(MemoryLimit* limit = nullptr) : limit_(limit) {}
  RawAllocator(const RawAllocator&) = delete;
  RawAllocator& operator=(const RawAllocator&) = delete;

  // max(nbytes, 1) bytes, 16-byte aligned, or null when malloc fails.
  void* Allocate(size_t nbytes);
  // REQUIRES: p came from Allocate and was not freed since.
  void Free(void* p);
  // The size a block was allocated with (max(nbytes, 1)).
  static size_t BlockSize(const void* p);

  const RawDomainStats& stats() const { return stats_; }

 private:
  RawDomainStats stats_;
  MemoryLimit* const limit_;
};

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_RAW_ALLOCATOR_H_
