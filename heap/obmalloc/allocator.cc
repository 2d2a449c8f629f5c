#include "heap/obmalloc/allocator.h"

namespace heapd::obmalloc {

size_t Allocator::BlockSize(const void* p) const {
  BlockLocation location;
  if (small_.Locate(p, &location)) return BlockSizeOf(location.size_class);
  return RawAllocator::BlockSize(p);
}

}  // namespace heapd::obmalloc
