// What the web page costs under the interpreter lock, by heap size:
//
//   BM_MapCapture/N     the heap map's capture (every arena's pools), taken
//                       with each published snapshot while a page watches
//   BM_MapJson/N        its JSON, built after the lock is released
//   BM_SessionGraph/N   a session's graph walk at the default cap (500
//                       objects) in a heap of N objects: bounded by the cap
//
// N objects: ints, as a load test leaves them. Figures in
// docs/performance.md.
//
//   bazel run --config=opt //server/web:web_capture_bench
#include <memory>
#include <vector>

#include "benchmark/benchmark.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/layout.h"
#include "server/stats_publisher.h"
#include "server/web/map_json.h"
#include "server/web/session_graph.h"

namespace heapd::server::web {
namespace {

constexpr objects::OwnerId kOwner = 1;

std::unique_ptr<objects::ObjectHeap> HeapOf(int64_t n) {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;
  auto heap = std::make_unique<objects::ObjectHeap>(options);
  objects::AllocateSpec spec;
  spec.type = objects::ObjectType::kInt;
  for (int64_t i = 0; i < n; ++i) (void)heap->Allocate(kOwner, spec);
  return heap;
}

void BM_MapCapture(benchmark::State& state) {
  const auto heap = HeapOf(state.range(0));
  size_t pools = 0;
  for (auto _ : state) {
    std::vector<obmalloc::ArenaOccupancy> map = heap->AllocatorOccupancy();
    pools = 0;
    for (const auto& arena : map) pools += arena.pools.size();
    benchmark::DoNotOptimize(map);
  }
  state.counters["pools"] = static_cast<double>(pools);
}
BENCHMARK(BM_MapCapture)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_MapJson(benchmark::State& state) {
  const auto heap = HeapOf(state.range(0));
  StatsPublisher publisher(absl::Hours(1));
  publisher.WatchMap(absl::Now() + absl::Hours(1));
  publisher.Update(*heap, /*force=*/true);
  const std::shared_ptr<const StatsSnapshot> snapshot = publisher.Latest();
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string json =
        MapJson(*snapshot, obmalloc::AllocatorLayout::Classic(), kMaxMapPools);
    bytes = json.size();
  }
  state.counters["json_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_MapJson)
    ->Arg(10000)
    ->Arg(100000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

void BM_SessionGraph(benchmark::State& state) {
  const auto heap = HeapOf(state.range(0));
  for (auto _ : state) {
    SessionGraph graph = CaptureSessionGraph(*heap, kOwner, kDefaultGraphNodes);
    benchmark::DoNotOptimize(graph);
  }
}
BENCHMARK(BM_SessionGraph)
    ->Arg(10000)
    ->Arg(1000000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace heapd::server::web

BENCHMARK_MAIN();
