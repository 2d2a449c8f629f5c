#include "client/heapload/report_figures.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "client/heapload/report.h"

namespace heapd::heapload {
namespace {

double MeanOfDelta(const v1::Histogram& before, const v1::Histogram& after) {
  return Ratio(static_cast<double>(after.sum_ns() - before.sum_ns()),
               static_cast<double>(after.count() - before.count()));
}

}  // namespace

LatencyFigures LatencyOf(const ResponseTimeHistogram& h) {
  return {h.count(),        h.min(),          h.Percentile(50),
          h.Percentile(90), h.Percentile(99), h.Percentile(99.9),
          h.max(),          h.mean()};
}

ServerFigures ServerFiguresOf(const RunResult& r) {
  ServerFigures f;
  if (!r.stats_before.has_value() || !r.stats_after.has_value()) {
    f.error = r.stats_error.empty() ? "no Stats snapshot" : r.stats_error;
    return f;
  }
  f.available = true;
  const v1::LockStats& b = r.stats_before->lock();
  const v1::LockStats& a = r.stats_after->lock();
  f.policy = a.policy();
  f.switch_interval_ns = a.switch_interval_ns();
  const int64_t wall_ns =
      r.stats_after->timestamp_unix_ns() - r.stats_before->timestamp_unix_ns();
  f.wall_s = wall_ns > 0 ? wall_ns / 1e9 : absl::ToDoubleSeconds(r.measured);
  f.held_share =
      Ratio(static_cast<double>(a.held_ns_total() - b.held_ns_total()),
            f.wall_s * 1e9);
  f.acquisitions = a.acquisitions() - b.acquisitions();
  f.contended = a.contended() - b.contended();
  f.contended_share = Ratio(f.contended, f.acquisitions);
  f.wait_mean_ns = MeanOfDelta(b.wait(), a.wait());
  f.hold_mean_ns = MeanOfDelta(b.hold(), a.hold());
  f.wait_p50_ns = a.wait().p50_ns();
  f.wait_p90_ns = a.wait().p90_ns();
  f.wait_p99_ns = a.wait().p99_ns();
  f.wait_p999_ns = a.wait().p999_ns();
  f.wait_max_ns = a.wait().max_ns();
  f.handoffs = a.handoffs() - b.handoffs();
  f.handoffs_per_s = PerSecond(f.handoffs, f.wall_s);
  f.waiters_peak = a.waiters_peak();
  f.forced_switches = a.forced_switches() - b.forced_switches();
  f.drop_requests = a.drop_requests() - b.drop_requests();
  for (const v1::LockKindStats& k : a.by_kind()) {
    v1::LockKindStats previous;
    for (const v1::LockKindStats& p : b.by_kind()) {
      if (p.kind() == k.kind()) previous = p;
    }
    const int64_t acquisitions = k.acquisitions() - previous.acquisitions();
    if (acquisitions == 0) continue;
    f.by_kind.push_back({k.kind(), acquisitions,
                         k.contended() - previous.contended(),
                         MeanOfDelta(previous.wait(), k.wait()),
                         MeanOfDelta(previous.hold(), k.hold()),
                         k.wait().p99_ns(), k.hold().p99_ns()});
  }
  const v1::ServerStats& sb = r.stats_before->server();
  const v1::ServerStats& sa = r.stats_after->server();
  f.rpcs = sa.rpcs_total() - sb.rpcs_total();
  f.rpc_errors = sa.errors_total() - sb.errors_total();
  f.sessions_open = sa.sessions_open();
  for (const v1::MethodStats& m : sa.methods()) {
    int64_t calls = m.calls();
    for (const v1::MethodStats& p : sb.methods()) {
      if (p.method() == m.method()) calls -= p.calls();
    }
    if (calls != 0) f.calls_by_method[m.method()] = calls;
  }
  return f;
}

FairnessFigures FairnessOf(const RunResult& r) {
  FairnessFigures f;
  const double seconds = absl::ToDoubleSeconds(r.measured);
  std::vector<double> rates;
  for (int64_t n : r.per_connection_succeeded) {
    rates.push_back(PerSecond(static_cast<double>(n), seconds));
  }
  f.connections = static_cast<int>(rates.size());
  if (!rates.empty()) {
    f.min_rps = *std::min_element(rates.begin(), rates.end());
    f.max_rps = *std::max_element(rates.begin(), rates.end());
  }
  f.jain = JainsFairnessIndex(rates);
  return f;
}

const char* const kPercentileScope =
    "since server start: heapd's Histogram message carries percentiles, not "
    "buckets, so a window's percentiles cannot be derived from two snapshots";

double JainsFairnessIndex(const std::vector<double>& values) {
  double sum = 0, squares = 0;
  for (double v : values) {
    sum += v;
    squares += v * v;
  }
  if (values.empty() || squares == 0) return 1.0;
  return sum * sum / (static_cast<double>(values.size()) * squares);
}

ServerConfigFigures ServerConfigOf(const RunResult& r) {
  ServerConfigFigures f;
  if (!r.server_config.has_value()) return f;
  const v1::StatsResponse& c = *r.server_config;
  f.available = true;
  f.version = c.server().version();
  f.started_unix_ns = c.server().started_unix_ns();
  f.lock_policy = c.lock().policy();
  f.switch_interval_ns = c.lock().switch_interval_ns();
  const v1::AllocatorLayout& layout = c.allocator().layout();
  f.layout = layout.preset();
  f.arena_size = layout.arena_size();
  f.pool_size = layout.pool_size();
  f.small_request_threshold = layout.small_request_threshold();
  f.arena_release = layout.arena_release();
  f.max_heap_bytes = c.allocator().max_heap_bytes();
  f.max_objects = c.objects().max_objects();
  f.max_lock_waiters = c.server().max_lock_waiters();
  f.gc_enabled = c.collector().enabled();
  for (const v1::GenerationStats& g : c.collector().generations()) {
    f.gc_thresholds.push_back(g.threshold());
  }
  return f;
}

ClientLoadFigures ClientLoadOf(const RunResult& r) {
  ClientLoadFigures f;
  f.cpu_s = r.client_cpu_s;
  f.cores_available = std::max(1, r.cores_available);
  const double seconds = absl::ToDoubleSeconds(r.measured);
  f.cores_used = PerSecond(r.client_cpu_s, seconds);
  const ServerFigures server = ServerFiguresOf(r);
  f.lock_known = server.available;
  f.lock_held_share = server.held_share;
  // About one core: heapload's clock keeper and dispatchers are single
  // threads; all of its cores: nothing is left for more calls.
  const bool busy =
      f.cores_used >= 0.85 || f.cores_used >= 0.85 * f.cores_available;
  f.bottleneck = busy && f.lock_known && f.lock_held_share < 0.5;
  if (f.bottleneck) {
    f.warning = absl::StrFormat(
        "heapload was likely the bottleneck, not heapd: it used %.2f CPU "
        "cores (%d available) while the server's lock was held only %.0f%% "
        "of the time. Run heapload on other cores or another machine, or "
        "with fewer connections, before reading these figures as heapd's.",
        f.cores_used, f.cores_available, 100 * f.lock_held_share);
  }
  return f;
}

const std::vector<SeriesColumn>& TimeSeriesColumns() {
  using S = const TimeSample&;
  using V = std::optional<double>;
  auto lock = [](auto f) {
    return [f](S s) -> V { return s.lock_available ? V(f(s)) : std::nullopt; };
  };
  static const auto* const columns = new std::vector<SeriesColumn>{
      {"t_s", [](S s) -> V { return s.t_s; }},
      {"warmup", [](S s) -> V { return s.warmup ? 1 : 0; }},
      {"stage", [](S s) -> V { return s.stage; }},
      {"target_concurrency", [](S s) -> V { return s.target_concurrency; }},
      {"target_rate", [](S s) -> V { return s.target_rate; }},
      {"completed", [](S s) -> V { return s.completed; }},
      {"failed", [](S s) -> V { return s.failed; }},
      {"requests_per_s", [](S s) -> V { return s.requests_per_s; }},
      {"p50_ns", [](S s) -> V { return s.p50_ns; }},
      {"p99_ns", [](S s) -> V { return s.p99_ns; }},
      {"max_ns", [](S s) -> V { return s.max_ns; }},
      {"in_flight", [](S s) -> V { return s.in_flight; }},
      {"total_succeeded", [](S s) -> V { return s.total_succeeded; }},
      {"total_failed", [](S s) -> V { return s.total_failed; }},
      {"total_requests_per_s", [](S s) -> V { return s.total_requests_per_s; }},
      {"total_p99_ns", [](S s) -> V { return s.total_p99_ns; }},
      {"lock_held_share", lock([](S s) { return s.lock_held_share; })},
      {"lock_acquisitions",
       lock([](S s) { return static_cast<double>(s.lock_acquisitions); })},
      {"lock_contended_share",
       lock([](S s) { return s.lock_contended_share; })},
      {"lock_wait_mean_ns", lock([](S s) { return s.lock_wait_mean_ns; })},
      {"lock_waiters",
       lock([](S s) { return static_cast<double>(s.lock_waiters); })},
      {"client_cpu_cores", [](S s) -> V { return s.client_cpu_cores; }},
  };
  return *columns;
}

const std::vector<RunColumn>& RunFigureColumns() {
  using R = const RunResult&;
  auto workload_latency = [](double p) {
    return [p](R r) -> double {
      return r.streams.empty()
                 ? 0
                 : static_cast<double>(r.streams.front().latency.Percentile(p));
    };
  };
  static const auto* const columns = new std::vector<RunColumn>{
      {"measured_s", [](R r) { return absl::ToDoubleSeconds(r.measured); }},
      {"requests_per_s",
       [](R r) {
         return r.streams.empty()
                    ? 0
                    : PerSecond(r.streams.front().succeeded,
                                absl::ToDoubleSeconds(r.measured));
       }},
      {"failed",
       [](R r) {
         return r.streams.empty()
                    ? 0
                    : static_cast<double>(r.streams.front().failed);
       }},
      {"p50_ns", workload_latency(50)},
      {"p90_ns", workload_latency(90)},
      {"p99_ns", workload_latency(99)},
      {"p999_ns", workload_latency(99.9)},
      {"lock_held_share", [](R r) { return ServerFiguresOf(r).held_share; }},
      {"client_cpu_cores", [](R r) { return ClientLoadOf(r).cores_used; }},
  };
  return *columns;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace heapd::heapload
