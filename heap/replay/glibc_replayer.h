// GlibcReplayer: the same calls as PymallocReplayer, straight to the C
// library's malloc, calloc, realloc and free, to set heapd's replay rate
// beside the C allocator's. Blocks are named by the trace's ids; the trace
// reader has already checked that every id it hands over exists.
#ifndef HEAPD_HEAP_REPLAY_GLIBC_REPLAYER_H_
#define HEAPD_HEAP_REPLAY_GLIBC_REPLAYER_H_

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace heapd::replay {

class GlibcReplayer {
 public:
  GlibcReplayer() = default;
  ~GlibcReplayer() {
    for (void* p : blocks_) std::free(p);
  }
  GlibcReplayer(const GlibcReplayer&) = delete;
  GlibcReplayer& operator=(const GlibcReplayer&) = delete;

  void Malloc(uint64_t id, uint64_t size) { Slot(id) = std::malloc(size); }
  void Calloc(uint64_t id, uint64_t nelem, uint64_t elsize) {
    Slot(id) = std::calloc(nelem, elsize);
  }
  void Realloc(uint64_t id, uint64_t size) {
    void*& slot = Slot(id);
    void* p = std::realloc(slot, size);
    if (p != nullptr || size == 0) slot = p;
  }
  void Free(uint64_t id) {
    void*& slot = Slot(id);
    std::free(slot);
    slot = nullptr;
  }

 private:
  void*& Slot(uint64_t id) {
    if (id >= blocks_.size()) {
      blocks_.resize(std::max(id + 1, 2 * id), nullptr);
    }
    return blocks_[id];
  }

  std::vector<void*> blocks_;
};

}  // namespace heapd::replay

#endif  // HEAPD_HEAP_REPLAY_GLIBC_REPLAYER_H_
