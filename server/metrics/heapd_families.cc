#include "server/metrics/heapd_families.h"

#include <deque>
#include <iterator>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace heapd::server::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

constexpr double kSecondsPerNs = 1e-9;

// Appends families to a list, one metric at a time.
class Families {
 public:
  MetricFamily& Add(std::string name, std::string help, MetricType type) {
    MetricFamily& family = out_.emplace_back();
    family.name = std::move(name);
    family.help = std::move(help);
    family.type = type;
    return family;
  }

  // A family of one unlabelled counter or gauge.
  void Counter(std::string name, std::string help, double value) {
    AddValue(Add(std::move(name), std::move(help), MetricType::Counter), {},
             value);
  }
  void Gauge(std::string name, std::string help, double value) {
    AddValue(Add(std::move(name), std::move(help), MetricType::Gauge), {},
             value);
  }

  static void AddValue(MetricFamily& family,
                       std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric& metric = family.metric.emplace_back();
    metric.label = std::move(labels);
    if (family.type == MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
  }

  static void AddHistogram(MetricFamily& family,
                           std::vector<ClientMetric::Label> labels,
                           const ClientMetric::Histogram& histogram) {
    ClientMetric& metric = family.metric.emplace_back();
    metric.label = std::move(labels);
    metric.histogram = histogram;
  }

  std::vector<MetricFamily> Take() {
    return std::vector<MetricFamily>(std::make_move_iterator(out_.begin()),
                                     std::make_move_iterator(out_.end()));
  }

 private:
  // A deque: Add's references stay valid while later families are added.
  std::deque<MetricFamily> out_;
};

void AddServer(const v1::StatsResponse& stats, Families& f) {
  const v1::ServerStats& s = stats.server();
  MetricFamily& info =
      f.Add("heapd_build_info",
            "Always 1; labelled with the version, allocator layout preset and "
            "interpreter lock policy.",
            MetricType::Gauge);
  Families::AddValue(info,
                     {{"version", s.version()},
                      {"layout", stats.allocator().layout().preset()},
                      {"lock_policy", stats.lock().policy()}},
                     1);
  f.Gauge("heapd_start_time_seconds",
          "When heapd started, in seconds since the Unix epoch.",
          static_cast<double>(s.started_unix_ns()) * kSecondsPerNs);
  f.Gauge("heapd_sessions_open", "Sessions open now.", s.sessions_open());
  f.Counter("heapd_sessions_opened_total", "Sessions opened.",
            s.sessions_opened_total());
  f.Counter("heapd_sessions_closed_total", "Sessions closed by their client.",
            s.sessions_closed_total());
  f.Counter("heapd_sessions_expired_total",
            "Sessions whose lease ran out and were reaped.",
            s.sessions_expired_total());
  f.Gauge("heapd_connections_open",
          "Client TCP connections open now (refreshed at most once a second).",
          s.connections_open());
  f.Gauge("heapd_watch_streams_open", "WatchStats streams open now.",
          s.watch_streams_open());
  f.Counter("heapd_lock_waiters_rejected_total",
            "Requests refused at once because --max_lock_waiters requests "
            "were already waiting for the interpreter lock.",
            s.lock_waiters_rejected());
  f.Gauge("heapd_lock_waiters_max", "The --max_lock_waiters cap (0: none).",
          s.max_lock_waiters());
}

void AddLock(const MetricsInput& input, Families& f) {
  const v1::LockStats& lock = input.stats.lock();
  MetricFamily& acquisitions =
      f.Add("heapd_gil_acquisitions_total",
            "Interpreter lock acquisitions, by request kind (RPC method).",
            MetricType::Counter);
  MetricFamily& contended =
      f.Add("heapd_gil_contended_acquisitions_total",
            "Interpreter lock acquisitions that had to wait, by request kind.",
            MetricType::Counter);
  for (const v1::LockKindStats& kind : lock.by_kind()) {
    Families::AddValue(acquisitions, {{"kind", kind.kind()}},
                       kind.acquisitions());
    Families::AddValue(contended, {{"kind", kind.kind()}}, kind.contended());
  }
  MetricFamily& wait = f.Add(
      "heapd_gil_wait_seconds",
      "Time from asking for the interpreter lock to holding it, by request "
      "kind (0 for acquisitions that did not wait).",
      MetricType::Histogram);
  MetricFamily& hold =
      f.Add("heapd_gil_hold_seconds",
            "How long the interpreter lock was held, by request kind (holds "
            "nobody waited for are sampled).",
            MetricType::Histogram);
  for (const LockKindHistograms& kind : input.lock_kinds) {
    Families::AddHistogram(wait, {{"kind", kind.kind}}, kind.wait);
    Families::AddHistogram(hold, {{"kind", kind.kind}}, kind.hold);
  }
  f.Counter("heapd_gil_handoffs_total",
            "Acquisitions by a thread other than the last holder (CPython's "
            "switch number).",
            lock.handoffs());
  f.Counter("heapd_gil_drop_requests_total",
            "Times a waiter asked the holder to drop the lock after a switch "
            "interval.",
            lock.drop_requests());
  f.Counter("heapd_gil_forced_switches_total",
            "Releases after which the releasing thread had to let a waiter "
            "in.",
            lock.forced_switches());
  f.Gauge("heapd_gil_waiters", "Threads waiting for the lock now.",
          lock.waiters_current());
  f.Gauge("heapd_gil_waiters_peak", "The most threads that waited at once.",
          lock.waiters_peak());
  f.Counter("heapd_gil_held_seconds_total",
            "Total time the lock was held; its rate is the lock's "
            "utilisation.",
            static_cast<double>(lock.held_ns_total()) * kSecondsPerNs);
  f.Gauge("heapd_gil_switch_interval_seconds",
          "The switch interval (sys.setswitchinterval).",
          static_cast<double>(lock.switch_interval_ns()) * kSecondsPerNs);
}

void AddCollector(const MetricsInput& input, Families& f) {
  const v1::CollectorStats& gc = input.stats.collector();
  MetricFamily& collections =
      f.Add("heapd_gc_collections_total", "Collections, by generation.",
            MetricType::Counter);
  MetricFamily& collected =
      f.Add("heapd_gc_collected_objects_total",
            "Objects the collector freed, by generation.", MetricType::Counter);
  MetricFamily& uncollectable =
      f.Add("heapd_gc_uncollectable_objects_total",
            "Unreachable objects the collector could not free, by generation.",
            MetricType::Counter);
  MetricFamily& count =
      f.Add("heapd_gc_generation_objects",
            "A generation's count: objects in it (generation 0: container "
            "allocations minus deallocations since its last collection).",
            MetricType::Gauge);
  MetricFamily& threshold =
      f.Add("heapd_gc_threshold", "A generation's collection threshold.",
            MetricType::Gauge);
  for (const v1::GenerationStats& g : gc.generations()) {
    const std::vector<ClientMetric::Label> labels = {
        {"generation", absl::StrCat(g.generation())}};
    Families::AddValue(collections, labels, g.collections());
    Families::AddValue(collected, labels, g.collected());
    Families::AddValue(uncollectable, labels, g.uncollectable());
    Families::AddValue(count, labels, g.count());
    Families::AddValue(threshold, labels, g.threshold());
  }
  MetricFamily& pause =
      f.Add("heapd_gc_pause_seconds",
            "How long each collection held up the heap, by generation.",
            MetricType::Histogram);
  for (size_t g = 0; g < input.gc_pause.size(); ++g) {
    Families::AddHistogram(pause, {{"generation", absl::StrCat(g)}},
                           input.gc_pause[g]);
  }
  f.Gauge("heapd_gc_frozen_objects",
          "Objects in the permanent generation (gc.freeze).", gc.permanent());
  f.Gauge("heapd_gc_garbage_objects",
          "Objects in gc.garbage (uncollectable, or kept by DEBUG_SAVEALL).",
          gc.garbage());
  f.Gauge("heapd_gc_enabled", "1 if automatic collection is on.",
          gc.enabled() ? 1 : 0);
  f.Counter("heapd_gc_limit_collections_total",
            "Full collections run because an allocation reached "
            "--max_heap_bytes or --max_objects.",
            gc.limit_collections());
}

void AddAllocator(const v1::AllocatorStats& a, Families& f) {
  MetricFamily& blocks = f.Add(
      "heapd_pymalloc_blocks",
      "Small-object blocks in pools, by size class and state (in_use, free).",
      MetricType::Gauge);
  MetricFamily& pools = f.Add(
      "heapd_pymalloc_pools",
      "Pools holding at least one block, by size class.", MetricType::Gauge);
  for (const v1::SizeClassStats& row : a.size_classes()) {
    const std::string size_class = absl::StrCat(row.size_class());
    Families::AddValue(blocks,
                       {{"size_class", size_class}, {"state", "in_use"}},
                       row.blocks_in_use());
    Families::AddValue(blocks, {{"size_class", size_class}, {"state", "free"}},
                       row.available_blocks());
    Families::AddValue(pools, {{"size_class", size_class}}, row.pools());
  }
  f.Counter("heapd_pymalloc_arenas_allocated_total", "Arenas ever allocated.",
            a.arenas_allocated_total());
  f.Counter("heapd_pymalloc_arenas_reclaimed_total",
            "Arenas given back to the OS.", a.arenas_reclaimed());
  f.Gauge("heapd_pymalloc_arenas_high_water", "The most arenas at once.",
          a.arenas_highwater());
  f.Gauge("heapd_pymalloc_arenas", "Arenas allocated now.", a.arenas_current());
  f.Gauge("heapd_pymalloc_arena_size_bytes", "The layout's arena size.",
          a.layout().arena_size());
  f.Gauge("heapd_pymalloc_pool_size_bytes", "The layout's pool size.",
          a.layout().pool_size());
  f.Gauge("heapd_pymalloc_unused_pools", "Pools carved from arenas but empty.",
          a.unused_pools());
  MetricFamily& bytes = f.Add(
      "heapd_pymalloc_bytes",
      "Arena bytes by what they hold; the kinds sum to the arenas' bytes.",
      MetricType::Gauge);
  const std::pair<const char*, int64_t> parts[] = {
      {"allocated_blocks", a.bytes_in_allocated_blocks()},
      {"available_blocks", a.bytes_in_available_blocks()},
      {"unused_pools", a.bytes_in_unused_pools()},
      {"pool_headers", a.bytes_lost_to_pool_headers()},
      {"quantization", a.bytes_lost_to_quantization()},
      {"arena_alignment", a.bytes_lost_to_arena_alignment()},
  };
  for (const auto& [kind, value] : parts) {
    Families::AddValue(bytes, {{"kind", kind}}, value);
  }
  f.Counter("heapd_pymalloc_allocations_total",
            "Calls into the small-object allocator.",
            a.small_allocations_total());
  f.Counter("heapd_pymalloc_frees_total",
            "Frees by the small-object allocator.", a.small_frees_total());
  const v1::RawDomainStats& raw = a.raw();
  f.Gauge("heapd_raw_blocks",
          "Blocks of the raw domain (requests over 512 bytes) in use.",
          raw.blocks_in_use());
  f.Gauge("heapd_raw_bytes", "Bytes of the raw domain in use.",
          raw.bytes_in_use());
  f.Gauge("heapd_raw_bytes_high_water", "The most raw-domain bytes at once.",
          raw.bytes_highwater());
  f.Counter("heapd_raw_allocations_total", "Raw-domain allocations.",
            raw.allocations_total());
  f.Counter("heapd_raw_frees_total", "Raw-domain frees.", raw.frees_total());
  f.Gauge("heapd_heap_bytes",
          "Memory the heap takes from the OS: arenas plus raw blocks.",
          a.heap_bytes());
  f.Gauge("heapd_heap_max_bytes", "The --max_heap_bytes ceiling (0: none).",
          a.max_heap_bytes());
  f.Counter("heapd_heap_limit_refusals_total",
            "Allocations refused at the memory ceiling.",
            a.heap_limit_refusals());
}

void AddObjects(const v1::ObjectStats& o, Families& f) {
  MetricFamily& count =
      f.Add("heapd_objects", "Live objects, by type.", MetricType::Gauge);
  MetricFamily& bytes =
      f.Add("heapd_object_bytes", "Bytes of live objects, by type.",
            MetricType::Gauge);
  for (const v1::TypeStats& row : o.by_type()) {
    const std::string type =
        absl::AsciiStrToLower(v1::ObjectType_Name(row.type()));
    Families::AddValue(count, {{"type", type}}, row.count());
    Families::AddValue(bytes, {{"type", type}}, row.bytes());
  }
  f.Gauge("heapd_objects_max", "The --max_objects cap (0: none).",
          o.max_objects());
  f.Gauge("heapd_weakrefs", "Live weak references.", o.weakrefs());
}

}  // namespace

std::vector<prometheus::MetricFamily> HeapdFamilies(const MetricsInput& input) {
  Families f;
  AddServer(input.stats, f);
  AddLock(input, f);
  AddCollector(input, f);
  AddAllocator(input.stats.allocator(), f);
  AddObjects(input.stats.objects(), f);
  return f.Take();
}

}  // namespace heapd::server::metrics
