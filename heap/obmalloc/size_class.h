// Size classes of the small-object allocator, as CPython's obmalloc defines
// them on 64-bit builds since 3.8.
//
// Requests of 1..512 bytes are rounded up to a multiple of 16 (the
// alignment) and served from pools of that block size: 32 size classes.
//
//   request bytes   block size   size class
//   -------------   ----------   ----------
//        1 - 16          16           0
//       17 - 32          32           1
//       33 - 48          48           2
//          ...          ...         ...
//      497 - 512        512          31
//
// A request of 0 bytes is not a small request: CPython sends it to the raw
// domain (malloc(1)) so that it never yields NULL, and so does heapd.
#ifndef HEAPD_HEAP_OBMALLOC_SIZE_CLASS_H_
#define HEAPD_HEAP_OBMALLOC_SIZE_CLASS_H_

#include <cstddef>
#include <cstdint>

namespace heapd::obmalloc {

// Every block is a multiple of this, and every block address is aligned to it.
inline constexpr size_t kAlignment = 16;
inline constexpr int kAlignmentShift = 4;
static_assert(size_t{1} << kAlignmentShift == kAlignment);

// Larger requests go to the raw domain.
inline constexpr size_t kSmallRequestThreshold = 512;

inline constexpr int kNumSizeClasses =
    static_cast<int>(kSmallRequestThreshold >> kAlignmentShift);
static_assert(kNumSizeClasses == 32);

// Bytes at the start of every pool taken by its header (CPython's
// POOL_OVERHEAD: sizeof(pool_header) rounded up to the alignment).
inline constexpr size_t kPoolHeaderSize = 48;

// True for the requests the small-object allocator serves: 1..512 bytes.
constexpr bool IsSmallRequest(size_t nbytes) {
  // One comparison: nbytes - 1 wraps around for 0.
  return nbytes - 1 < kSmallRequestThreshold;
}

// The size class of a small request. REQUIRES: IsSmallRequest(nbytes).
constexpr int SizeClassOf(size_t nbytes) {
  return static_cast<int>((nbytes - 1) >> kAlignmentShift);
}

// The block size of a size class: 16, 32, ..., 512.
constexpr size_t BlockSizeOf(int size_class) {
  return static_cast<size_t>(size_class + 1) << kAlignmentShift;
}

// How many blocks of a size class one pool holds after its header.
constexpr size_t BlocksPerPool(int size_class, size_t pool_size) {
  return (pool_size - kPoolHeaderSize) / BlockSizeOf(size_class);
}

// Bytes at the end of a pool too small for one more block of the class
// (CPython's "bytes lost to quantization", per pool).
constexpr size_t QuantizationLossPerPool(int size_class, size_t pool_size) {
  return (pool_size - kPoolHeaderSize) % BlockSizeOf(size_class);
}

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_SIZE_CLASS_H_
