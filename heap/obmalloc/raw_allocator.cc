#include "heap/obmalloc/raw_allocator.h"

#include <cstdint>
#include <cstdlib>

#include "heap/obmalloc/size_class.h"

namespace heapd::obmalloc {
namespace {

// The prefix keeps the block 16-byte aligned; malloc's blocks already are.
constexpr size_t kPrefix = kAlignment;

struct Prefix {
  size_t size;
};
static_assert(sizeof(Prefix) <= kPrefix);

}  // namespace

void* RawAllocator::Allocate(size_t nbytes) {
  const size_t size = nbytes == 0 ? 1 : nbytes;
  if (size > SIZE_MAX - kPrefix) return nullptr;
  if (limit_ != nullptr && !limit_->TryCharge(size)) return nullptr;
  void* base = std::malloc(kPrefix + size);
  if (base == nullptr) {
    if (limit_ != nullptr) limit_->Release(size);
    return nullptr;
  }
  static_cast<Prefix*>(base)->size = size;
  ++stats_.blocks_in_use;
  stats_.bytes_in_use += size;
  if (stats_.bytes_in_use > stats_.bytes_highwater) {
    stats_.bytes_highwater = stats_.bytes_in_use;
  }
  ++stats_.allocations_total;
  return static_cast<char*>(base) + kPrefix;
}

size_t RawAllocator::BlockSize(const void* p) {
  return reinterpret_cast<const Prefix*>(static_cast<const char*>(p) - kPrefix)
      ->size;
}

void RawAllocator::Free(void* p) {
  char* base = static_cast<char*>(p) - kPrefix;
  const size_t size = reinterpret_cast<Prefix*>(base)->size;
  --stats_.blocks_in_use;
  stats_.bytes_in_use -= size;
  if (limit_ != nullptr) limit_->Release(size);
  ++stats_.frees_total;
  std::free(base);
}

}  // namespace heapd::obmalloc
