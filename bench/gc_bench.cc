// The cyclic garbage collector: how many objects per second a collection
// gets through, garbage and live, beside CPython 3.12 (bench/cpython_gc.py
// runs the same shapes on CPython's gc.collect()).
//
//   BM_CollectCycles/N  N objects as N/2 two-object cycles (a.ref = b,
//                       b.ref = a), every reference dropped: one full
//                       collection finds and frees them all.
//   BM_CollectLive/N    N live empty lists held by one list: a full
//                       collection that frees nothing (the pause every
//                       client waits through).
//   BM_Gen0Collection   700 fresh lists, then collect(0).
//
// Items per second = objects examined per second.
//
//   bazel run --config=opt //bench:gc_bench
#include "benchmark/benchmark.h"
#include "heap/objects/object_heap.h"

namespace heapd {
namespace {

constexpr objects::OwnerId kOwner = 1;

objects::ObjectHeapOptions ManualOnly() {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;  // as gc.disable(): only explicit collections
  return options;
}

objects::Handle NewOf(objects::ObjectHeap& heap, objects::ObjectType type) {
  objects::AllocateSpec spec;
  spec.type = type;
  return heap.Allocate(kOwner, spec)->handle;
}

void BM_CollectCycles(benchmark::State& state) {
  const int64_t n = state.range(0);
  objects::ObjectHeap heap(ManualOnly());
  int64_t examined = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int64_t i = 0; i < n / 2; ++i) {
      const objects::Handle a = NewOf(heap, objects::ObjectType::kObject);
      const objects::Handle b = NewOf(heap, objects::ObjectType::kObject);
      (void)heap.SetField(a, "ref", b);
      (void)heap.SetField(b, "ref", a);
      (void)heap.DecRef(kOwner, a);
      (void)heap.DecRef(kOwner, b);
    }
    state.ResumeTiming();
    const objects::CollectResult result = *heap.Collect(2);
    examined += result.examined;
    if (result.collected != n) state.SkipWithError("not everything collected");
  }
  state.SetItemsProcessed(examined);
}
BENCHMARK(BM_CollectCycles)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

void BM_CollectLive(benchmark::State& state) {
  const int64_t n = state.range(0);
  objects::ObjectHeap heap(ManualOnly());
  const objects::Handle keep = NewOf(heap, objects::ObjectType::kList);
  for (int64_t i = 0; i < n; ++i) {
    const objects::Handle item = NewOf(heap, objects::ObjectType::kList);
    (void)heap.Append(keep, item);
    (void)heap.DecRef(kOwner, item);
  }
  (void)heap.Collect(2);  // CPython's first collection reorders; skip it
  int64_t examined = 0;
  for (auto _ : state) {
    const objects::CollectResult result = *heap.Collect(2);
    examined += result.examined;
    if (result.collected != 0) state.SkipWithError("live objects collected");
  }
  state.SetItemsProcessed(examined);
}
BENCHMARK(BM_CollectLive)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMillisecond);

void BM_Gen0Collection(benchmark::State& state) {
  objects::ObjectHeap heap(ManualOnly());
  std::vector<objects::Handle> fresh;
  int64_t examined = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (objects::Handle h : fresh) (void)heap.DecRef(kOwner, h);
    fresh.clear();
    for (int i = 0; i < 700; ++i)
      fresh.push_back(NewOf(heap, objects::ObjectType::kList));
    state.ResumeTiming();
    examined += heap.Collect(0)->examined;
  }
  state.SetItemsProcessed(examined);
}
BENCHMARK(BM_Gen0Collection)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace heapd

BENCHMARK_MAIN();
