#include "heap/replay/pymalloc_replayer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "heap/obmalloc/size_class.h"

namespace heapd::replay {

using obmalloc::BlockLocation;
using obmalloc::BlockSizeOf;
using obmalloc::IsSmallRequest;

PymallocReplayer::PymallocReplayer(const obmalloc::AllocatorLayout& layout,
                                   bool place_arenas)
    : small_(layout), place_arenas_(place_arenas) {
  if (!place_arenas) return;
  small_.set_arena_offset_source([this]() -> size_t {
    if (arena_addresses_.empty()) {
      ++arenas_unmatched_;
      return 0;
    }
    const uint64_t address = arena_addresses_.front();
    arena_addresses_.pop_front();
    return address & (small_.layout().pool_size() - 1);
  });
}

PymallocReplayer::~PymallocReplayer() {
  for (void* p : blocks_) {
    if (p != nullptr) Release(p);
  }
}

void* PymallocReplayer::Allocate(uint64_t size) {
  return IsSmallRequest(size) ? small_.Allocate(size) : raw_.Allocate(size);
}

void PymallocReplayer::Release(void* p) {
  if (!small_.Free(p)) raw_.Free(p);
}

absl::Status PymallocReplayer::Take(uint64_t id) {
  if (id == 0) return absl::FailedPreconditionError("block id 0");
  if (id >= blocks_.size()) blocks_.resize(std::max(id + 1, 2 * id), nullptr);
  if (blocks_[id] != nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("block ", id, " is created twice"));
  }
  return absl::OkStatus();
}

absl::Status PymallocReplayer::Lookup(uint64_t id) const {
  if (id >= blocks_.size() || blocks_[id] == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("block ", id, " is not allocated"));
  }
  return absl::OkStatus();
}

absl::Status PymallocReplayer::Malloc(uint64_t id, uint64_t size) {
  if (absl::Status s = Take(id); !s.ok()) return s;
  void* p = Allocate(size);
  if (p == nullptr) return absl::ResourceExhaustedError("out of memory");
  blocks_[id] = p;
  return absl::OkStatus();
}

absl::Status PymallocReplayer::Calloc(uint64_t id, uint64_t nelem,
                                      uint64_t elsize) {
  if (elsize != 0 && nelem > SIZE_MAX / elsize) {
    return absl::ResourceExhaustedError("calloc size overflows");
  }
  if (absl::Status s = Malloc(id, nelem * elsize); !s.ok()) return s;
  std::memset(blocks_[id], 0, nelem * elsize);
  return absl::OkStatus();
}

absl::Status PymallocReplayer::Realloc(uint64_t id, uint64_t size, bool& small,
                                       bool& moved) {
  if (absl::Status s = Lookup(id); !s.ok()) return s;
  void* p = blocks_[id];
  BlockLocation location;
  size_t copy;
  small = small_.Locate(p, &location);
  if (small) {
    // pymalloc_realloc: keep the block when it still fits and shrinking
    // would save less than a quarter of it.
    const size_t block = BlockSizeOf(location.size_class);
    if (size <= block && 4 * size > 3 * block) {
      moved = false;
      return absl::OkStatus();
    }
    copy = std::min<size_t>(size, block);
  } else {
    // A raw block stays raw (PyMem_RawRealloc), even if small enough.
    copy = std::min<size_t>(size, obmalloc::RawAllocator::BlockSize(p));
  }
  void* q = small ? Allocate(size) : raw_.Allocate(size);
  if (q == nullptr) return absl::ResourceExhaustedError("out of memory");
  std::memcpy(q, p, copy);
  if (small) {
    small_.Free(p);
  } else {
    raw_.Free(p);
  }
  blocks_[id] = q;
  moved = true;
  return absl::OkStatus();
}

absl::Status PymallocReplayer::Free(uint64_t id) {
  if (absl::Status s = Lookup(id); !s.ok()) return s;
  Release(blocks_[id]);
  blocks_[id] = nullptr;
  return absl::OkStatus();
}

}  // namespace heapd::replay
