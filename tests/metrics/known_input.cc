#include "tests/metrics/known_input.h"

#include <cmath>
#include <iterator>
#include <memory>
#include <string>

#include "heap/gil/latency_histogram.h"
#include "server/metrics/cumulative_buckets.h"
#include "server/metrics/grpc_metrics.h"

namespace heapd::testing {

using server::metrics::LatencyBoundsSeconds;
using server::metrics::ToPrometheusHistogram;

server::metrics::MetricsInput KnownInput() {
  server::metrics::MetricsInput input;
  v1::StatsResponse& s = input.stats;
  s.mutable_server()->set_version("9.9.9");
  s.mutable_server()->set_started_unix_ns(1'700'000'000'000'000'000);
  s.mutable_server()->set_sessions_open(2);
  s.mutable_server()->set_sessions_opened_total(5);
  s.mutable_server()->set_sessions_closed_total(2);
  s.mutable_server()->set_sessions_expired_total(1);
  s.mutable_allocator()->mutable_layout()->set_preset("classic");
  s.mutable_allocator()->mutable_layout()->set_arena_size(256 * 1024);
  s.mutable_allocator()->mutable_layout()->set_pool_size(4096);
  s.mutable_allocator()->set_arenas_current(1);
  s.mutable_allocator()->set_arenas_allocated_total(3);
  s.mutable_allocator()->set_bytes_in_allocated_blocks(96);
  s.mutable_allocator()->set_heap_bytes(262144);
  s.mutable_allocator()->set_max_heap_bytes(1 << 30);
  for (int c = 0; c < 32; ++c) {
    v1::SizeClassStats* row = s.mutable_allocator()->add_size_classes();
    row->set_size_class(c);
    row->set_block_size(16 * (c + 1));
    if (c == 1) {
      row->set_pools(1);
      row->set_blocks_in_use(3);
      row->set_available_blocks(250);
    }
  }
  s.mutable_objects()->set_objects(47);
  v1::TypeStats* ints = s.mutable_objects()->add_by_type();
  ints->set_type(v1::INT);
  ints->set_count(42);
  ints->set_bytes(1344);
  v1::TypeStats* lists = s.mutable_objects()->add_by_type();
  lists->set_type(v1::LIST);
  lists->set_count(5);
  lists->set_bytes(280);
  s.mutable_collector()->set_enabled(true);
  const int collections[] = {7, 2, 1};
  for (int g = 0; g < 3; ++g) {
    v1::GenerationStats* gen = s.mutable_collector()->add_generations();
    gen->set_generation(g);
    gen->set_collections(collections[g]);
    gen->set_threshold(g == 0 ? 700 : 10);
    gen->set_collected(10 * g);
  }
  v1::LockStats* lock = s.mutable_lock();
  lock->set_policy("cpython");
  lock->set_switch_interval_ns(5'000'000);
  lock->set_held_ns_total(1'500'000'000);
  lock->set_handoffs(3);
  lock->set_drop_requests(11);
  lock->set_forced_switches(12);
  lock->set_waiters_current(13);
  lock->set_waiters_peak(14);
  s.mutable_server()->set_watch_streams_open(15);
  s.mutable_server()->set_connections_open(16);
  s.mutable_server()->set_lock_waiters_rejected(17);
  s.mutable_collector()->set_permanent(18);
  s.mutable_collector()->set_garbage(19);
  s.mutable_objects()->set_weakrefs(20);
  s.mutable_allocator()->set_arenas_reclaimed(21);
  s.mutable_allocator()->set_arenas_highwater(22);
  v1::LockKindStats* allocate = lock->add_by_kind();
  allocate->set_kind("Allocate");
  allocate->set_acquisitions(10);
  allocate->set_contended(4);
  v1::LockKindStats* stats = lock->add_by_kind();
  stats->set_kind("Stats");
  stats->set_acquisitions(1);

  // Waits of 0, 2 us and 30 ms; holds of 1 ms (ns as the unit).
  gil::LatencyHistogram wait, hold;
  wait.RecordZero();
  wait.Record(2'000);
  wait.Record(30'000'000);
  for (int i = 0; i < 10; ++i) hold.Record(1'000'000);
  input.lock_kinds.push_back(
      {"Allocate", ToPrometheusHistogram(wait, 1e-9, LatencyBoundsSeconds()),
       ToPrometheusHistogram(hold, 1e-9, LatencyBoundsSeconds())});
  // Pauses: 200 us in generation 0, 2 ms twice in generation 1.
  gil::LatencyHistogram pause[3];
  pause[0].Record(200'000);
  pause[1].Record(2'000'000);
  pause[1].Record(2'000'000);
  for (const gil::LatencyHistogram& p : pause) {
    input.gc_pause.push_back(
        ToPrometheusHistogram(p, 1e-9, LatencyBoundsSeconds()));
  }
  return input;
}

std::vector<prometheus::MetricFamily> KnownFamilies() {
  std::vector<prometheus::MetricFamily> families =
      server::metrics::HeapdFamilies(KnownInput());
  server::metrics::GrpcMetrics grpc({{"/heapd.v1.Heap/Allocate", "unary"},
                                     {"/heapd.v1.Heap/Incref", "unary"}});
  grpc.Handled(*grpc.Find("/heapd.v1.Heap/Allocate"), 0, 300'000);
  grpc.Handled(*grpc.Find("/heapd.v1.Heap/Allocate"), 0, 3'000'000);
  grpc.Handled(*grpc.Find("/heapd.v1.Heap/Incref"), 5, 100'000);
  std::vector<prometheus::MetricFamily> more = grpc.Collect();
  families.insert(families.end(), more.begin(), more.end());
  return families;
}

std::vector<prometheus::MetricFamily> EdgeFamilies() {
  using prometheus::ClientMetric;
  using prometheus::MetricType;
  const double values[] = {0,
                           -0.0,
                           1,
                           -1,
                           0.5,
                           1e-6,
                           2.5e-6,
                           5.558345717515277e-06,
                           1.0 / 3,
                           123456789.123,
                           1796322830.923743,
                           9999999999999998.0,
                           9007199254740991.0,
                           9007199254740992.0,
                           1e16,
                           -12345678901234567.0,
                           1e300,
                           5e-324,
                           std::nan(""),
                           INFINITY,
                           -INFINITY};
  std::vector<prometheus::MetricFamily> out;
  out.reserve(5);  // the references below stay valid
  prometheus::MetricFamily& gauge = out.emplace_back();
  gauge = {"edge_values", "Awkward values.", MetricType::Gauge, {}};
  prometheus::MetricFamily& counter = out.emplace_back();
  counter = {
      "edge_counted_total", "The same as counters.", MetricType::Counter, {}};
  prometheus::MetricFamily& untyped = out.emplace_back();
  untyped = {"edge_untyped", "Untyped.", MetricType::Untyped, {}};
  for (size_t i = 0; i < std::size(values); ++i) {
    const std::vector<ClientMetric::Label> labels = {{"i", std::to_string(i)},
                                                     {"odd", "a\\b\"c"}};
    gauge.metric.emplace_back().label = labels;
    gauge.metric.back().gauge.value = values[i];
    // The other types share the gauge's number formatting: a few suffice.
    if (i != 2 && i != 4 && i != 18) continue;
    counter.metric.emplace_back().label = labels;
    counter.metric.back().counter.value = values[i];
    untyped.metric.emplace_back().label = labels;
    untyped.metric.back().untyped.value = values[i];
  }
  gauge.metric.emplace_back().gauge.value = 7;  // no labels
  gauge.metric.back().timestamp_ms = 1'700'000'000'123;

  prometheus::MetricFamily& histogram = out.emplace_back();
  histogram = {"edge_seconds", "Histograms.", MetricType::Histogram, {}};
  ClientMetric& with_inf = histogram.metric.emplace_back();
  with_inf.label = {{"with", "inf"}};
  with_inf.histogram = {6, 0.75, {{1, 2.5e-6}, {4, 0.1}, {6, INFINITY}}};
  ClientMetric& without_inf = histogram.metric.emplace_back();
  without_inf.histogram = {3, 12.125, {{0, 1e-6}, {2, 10}}};

  prometheus::MetricFamily& summary = out.emplace_back();
  summary = {"edge_summary_seconds", "Summaries.", MetricType::Summary, {}};
  ClientMetric& s = summary.metric.emplace_back();
  s.label = {{"kind", "x"}};
  s.summary = {10, 2.5, {{0.5, 0.125}, {0.99, 1.0 / 3}}};
  return out;
}

}  // namespace heapd::testing
