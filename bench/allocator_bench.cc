// The small-object allocator against glibc malloc.
//
//   BM_HeapAllocFree/N, BM_MallocFree/N: one N-byte alloc then its free, in
//     steady state (the pool and its free list are warm).
//   BM_HeapChurn, BM_MallocChurn: 4,096 live blocks of random sizes 1..512;
//     each iteration frees a random one and allocates a random size in its
//     place.
//
// The heap runs with everything it keeps on every call: per-class counters
// and the O(1) ownership check (arena map) in Free.
//
//   bazel run -c opt //bench:allocator_bench
#include <cstdlib>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "heap/obmalloc/allocator.h"

namespace heapd {
namespace {

// Marks a pointer as used without letting the compiler think it changed.
// (benchmark 1.7.1's non-const DoNotOptimize uses a "+m,r" constraint that
// g++ 12 miscompiles when the value is a reference into a container: the
// churn loop then frees stale pointers. The const overload is input-only.)
inline void Use(const void* p) { benchmark::DoNotOptimize(p); }

// For a local pointer the non-const form is safe and keeps the pointer in a
// register; used by the alloc+free pairs, for the heap and malloc alike.
inline void UseLocal(void*& p) { benchmark::DoNotOptimize(p); }

void BM_HeapAllocFree(benchmark::State& state) {
  obmalloc::Allocator allocator(obmalloc::AllocatorLayout::Classic());
  const size_t n = static_cast<size_t>(state.range(0));
  // Keep one block live so the pool stays used and is not recycled.
  void* keep = allocator.Allocate(n);
  for (auto _ : state) {
    void* p = allocator.Allocate(n);
    UseLocal(p);
    allocator.Free(p);
  }
  allocator.Free(keep);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HeapAllocFree)
    ->Arg(16)
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->Arg(512);

void BM_MallocFree(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  void* keep = std::malloc(n);
  for (auto _ : state) {
    void* p = std::malloc(n);
    UseLocal(p);
    std::free(p);
  }
  std::free(keep);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MallocFree)
    ->Arg(16)
    ->Arg(32)
    ->Arg(64)
    ->Arg(128)
    ->Arg(256)
    ->Arg(512);

// The same pseudo-random script for both allocators: which slot to replace
// and what size to put there. Precomputed, so the RNG is not measured.
struct ChurnScript {
  static constexpr size_t kLive = 4096;
  static constexpr size_t kSteps = 1 << 16;
  std::vector<uint32_t> initial_sizes;
  std::vector<uint32_t> slots;
  std::vector<uint32_t> sizes;

  ChurnScript() {
    std::mt19937 rng(42);
    std::uniform_int_distribution<uint32_t> size(1, 512);
    std::uniform_int_distribution<uint32_t> slot(0, kLive - 1);
    for (size_t i = 0; i < kLive; ++i) initial_sizes.push_back(size(rng));
    for (size_t i = 0; i < kSteps; ++i) {
      slots.push_back(slot(rng));
      sizes.push_back(size(rng));
    }
  }
};

template <typename AllocFn, typename FreeFn>
void RunChurn(benchmark::State& state, AllocFn alloc, FreeFn release) {
  static const ChurnScript script;
  std::vector<void*> live;
  for (uint32_t n : script.initial_sizes) live.push_back(alloc(n));
  size_t step = 0;
  for (auto _ : state) {
    void*& slot = live[script.slots[step]];
    release(slot);
    slot = alloc(script.sizes[step]);
    Use(slot);
    step = (step + 1) & (ChurnScript::kSteps - 1);
  }
  for (void* p : live) release(p);
  state.SetItemsProcessed(state.iterations());
}

void BM_HeapChurn(benchmark::State& state) {
  obmalloc::Allocator allocator(obmalloc::AllocatorLayout::Classic());
  RunChurn(
      state, [&](size_t n) { return allocator.Allocate(n); },
      [&](void* p) { allocator.Free(p); });
}
BENCHMARK(BM_HeapChurn);

void BM_MallocChurn(benchmark::State& state) {
  RunChurn(
      state, [](size_t n) { return std::malloc(n); },
      [](void* p) { std::free(p); });
}
BENCHMARK(BM_MallocChurn);

}  // namespace
}  // namespace heapd

BENCHMARK_MAIN();
