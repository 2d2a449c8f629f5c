// The JSON report.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/heapload/json_writer.h"
#include "client/heapload/report.h"
#include "client/heapload/report_figures.h"
#include "client/heapload/time_series.h"
#include "client/units.h"

namespace heapd::heapload {

namespace {

// The members of one run's report, into the open object `w`.
void WriteRun(const RunResult& r, JsonWriter& w) {
  const Options& o = r.options;
  const double seconds = absl::ToDoubleSeconds(r.measured);
  w.String("label", o.label);
  w.Integer("timestamp_unix_ns", r.started_unix_ns);
  w.String("timestamp", absl::FormatTime(absl::RFC3339_full,
                                         absl::FromUnixNanos(r.started_unix_ns),
                                         absl::UTCTimeZone()));

  w.Begin("options");
  w.String("server", o.server);
  w.String("workload", WorkloadName(o.workload));
  w.String("scenario", o.scenario_file);
  w.Number("connections", o.connections);
  w.Number("concurrency", o.concurrency);
  w.Number("duration_s", o.duration == absl::InfiniteDuration()
                             ? 0.0
                             : absl::ToDoubleSeconds(o.duration));
  w.Number("requests", static_cast<double>(o.requests));
  w.Number("rate", o.rate);
  w.Bool("open_loop", o.rate > 0);
  w.Number("warmup_s", absl::ToDoubleSeconds(o.warmup));
  w.Number("batch", o.batch);
  std::vector<std::string> mix;
  for (const MixWeight& m : o.mix) {
    mix.push_back(absl::StrCat(WorkloadName(m.kind), ":", m.weight));
  }
  w.String("mix", absl::StrJoin(mix, ","));
  w.Number("stats_pollers", o.stats_pollers);
  w.Number("stats_rate", o.stats_rate);
  w.Number("convoy_batch", o.convoy_batch);
  w.Number("live_objects", o.live_objects);
  w.Number("timeout_s", absl::ToDoubleSeconds(o.timeout));
  w.Number("deadline_s", absl::ToDoubleSeconds(EffectiveDeadline(o)));
  w.String("schedule", o.schedule.text);
  w.String("rate_schedule", o.rate_schedule.text);
  w.Number("runs", o.runs);
  w.End();

  const ServerConfigFigures c = ServerConfigOf(r);
  w.Begin("server_config");
  w.Bool("available", c.available);
  w.String("version", c.version);
  w.Integer("started_unix_ns", c.started_unix_ns);
  w.String("lock_policy", c.lock_policy);
  w.Number("switch_interval_ns", c.switch_interval_ns);
  w.String("layout", c.layout);
  w.Number("arena_size", c.arena_size);
  w.Number("pool_size", c.pool_size);
  w.Number("small_request_threshold", c.small_request_threshold);
  w.String("arena_release", c.arena_release);
  w.Number("max_heap_bytes", c.max_heap_bytes);
  w.Number("max_objects", c.max_objects);
  w.Number("max_lock_waiters", c.max_lock_waiters);
  w.Bool("gc_enabled", c.gc_enabled);
  w.BeginArray("gc_thresholds");
  for (int64_t t : c.gc_thresholds) w.Number("", t);
  w.EndArray();
  w.End();

  const ClientLoadFigures client = ClientLoadOf(r);
  w.Begin("client");
  w.Number("cpu_s", client.cpu_s);
  w.Number("cores_used", client.cores_used);
  w.Number("cores_available", client.cores_available);
  w.Bool("bottleneck", client.bottleneck);
  w.String("warning", client.warning);
  w.End();

  w.Number("measured_s", seconds);
  w.Bool("deadline_hit", r.deadline_hit);
  w.Number("connections_opened", r.connections_opened);
  w.Number("sessions_opened", r.sessions_opened);
  w.Number("sessions_closed", r.sessions_closed);
  w.Number("open_file_limit", static_cast<double>(r.open_file_limit));

  w.Begin("streams");
  for (const StreamResult& s : r.streams) {
    w.Begin(s.name);
    w.Number("sent", s.sent);
    w.Number("succeeded", s.succeeded);
    w.Number("failed", s.failed);
    w.Bool("counts_add_up", s.sent == s.succeeded + s.failed);
    w.Number("operations", s.operations);
    w.Number("unsent_backlog", s.unsent_backlog);
    w.Number("requests_per_s", PerSecond(s.succeeded, seconds));
    w.Number("operations_per_s", PerSecond(s.operations, seconds));
    const LatencyFigures l = LatencyOf(s.latency);
    w.Begin("latency_ns");
    w.Number("count", l.count);
    w.Number("min", l.min);
    w.Number("mean", l.mean);
    w.Number("p50", l.p50);
    w.Number("p90", l.p90);
    w.Number("p99", l.p99);
    w.Number("p999", l.p999);
    w.Number("max", l.max);
    w.End();
    w.Begin("errors");
    for (const auto& [code, count] : s.errors) w.Number(code, count);
    w.End();
    w.End();
  }
  w.End();

  if (r.scenario.has_value()) {
    const ScenarioSummary& sc = *r.scenario;
    w.Begin("scenario");
    w.String("file", sc.file);
    w.Number("iterations_completed", sc.iterations_completed);
    w.Number("iterations_abandoned", sc.iterations_abandoned);
    w.Number("expectations_passed", sc.expectations_passed);
    w.Number("expectations_failed", sc.expectations_failed);
    w.Strings("first_failures", sc.first_failures);
    w.Strings("first_errors", sc.first_errors);
    w.End();
  }

  const FairnessFigures f = FairnessOf(r);
  w.Begin("per_connection");
  w.Number("connections", f.connections);
  w.Number("min_requests_per_s", f.min_rps);
  w.Number("max_requests_per_s", f.max_rps);
  w.Number("jain_index", f.jain);
  w.End();

  const ServerFigures sf = ServerFiguresOf(r);
  w.Begin("server");
  w.Bool("available", sf.available);
  w.String("error", sf.error);
  w.Number("wall_s", sf.wall_s);
  w.Begin("lock");
  w.String("policy", sf.policy);
  w.Number("switch_interval_ns", sf.switch_interval_ns);
  w.Number("held_share", sf.held_share);
  w.Number("acquisitions", sf.acquisitions);
  w.Number("contended", sf.contended);
  w.Number("contended_share", sf.contended_share);
  w.Number("wait_mean_ns", sf.wait_mean_ns);
  w.Number("hold_mean_ns", sf.hold_mean_ns);
  w.Number("wait_p50_ns", sf.wait_p50_ns);
  w.Number("wait_p90_ns", sf.wait_p90_ns);
  w.Number("wait_p99_ns", sf.wait_p99_ns);
  w.Number("wait_p999_ns", sf.wait_p999_ns);
  w.Number("wait_max_ns", sf.wait_max_ns);
  w.String("wait_percentiles_scope", kPercentileScope);
  w.Number("handoffs", sf.handoffs);
  w.Number("handoffs_per_s", sf.handoffs_per_s);
  w.Number("waiters_peak", sf.waiters_peak);
  w.String("waiters_peak_scope", "since server start");
  w.Number("forced_switches", sf.forced_switches);
  w.Number("drop_requests", sf.drop_requests);
  w.Begin("by_kind");
  for (const KindFigures& k : sf.by_kind) {
    w.Begin(k.kind);
    w.Number("acquisitions", k.acquisitions);
    w.Number("contended", k.contended);
    w.Number("wait_mean_ns", k.wait_mean_ns);
    w.Number("hold_mean_ns", k.hold_mean_ns);
    w.Number("wait_p99_ns_since_start", k.wait_p99_ns);
    w.Number("hold_p99_ns_since_start", k.hold_p99_ns);
    w.End();
  }
  w.End();
  w.End();
  w.Begin("rpcs");
  w.Number("total", sf.rpcs);
  w.Number("errors", sf.rpc_errors);
  w.Begin("by_method");
  for (const auto& [method, calls] : sf.calls_by_method) {
    w.Number(method, calls);
  }
  w.End();
  w.End();
  w.Number("sessions_open", sf.sessions_open);
  w.End();

  w.BeginArray("time_series");
  for (const TimeSample& sample : r.time_series) {
    w.Begin("");
    for (const SeriesColumn& column : TimeSeriesColumns()) {
      const std::optional<double> v = column.value(sample);
      if (v.has_value()) {
        w.Number(column.name, *v);
      } else {
        w.Null(column.name);
      }
    }
    w.String("stage_label", StageLabel(sample));
    w.End();
  }
  w.EndArray();
}

}  // namespace

std::string JsonReport(const RunResult& r) {
  JsonWriter w;
  w.Begin("");
  WriteRun(r, w);
  w.End();
  return w.text();
}

std::string JsonRunsReport(const std::vector<RunResult>& runs) {
  JsonWriter w;
  w.Begin("");
  w.Number("runs_count", static_cast<double>(runs.size()));
  w.BeginArray("runs");
  for (const RunResult& r : runs) {
    w.Begin("");
    WriteRun(r, w);
    w.End();
  }
  w.EndArray();
  w.Begin("median");
  for (const RunColumn& column : RunFigureColumns()) {
    std::vector<double> values;
    for (const RunResult& r : runs) values.push_back(column.value(r));
    w.Number(column.name, Median(values));
  }
  w.End();
  w.End();
  return w.text();
}

}  // namespace heapd::heapload
