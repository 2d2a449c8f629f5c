// The text report.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/heapload/report.h"
#include "client/heapload/report_figures.h"
#include "client/heapload/time_series.h"
#include "client/units.h"

namespace heapd::heapload {

using client::Nanos;

namespace {

// The server's version and configuration, and heapload's own load (with
// the warning when heapload was the bottleneck).
void AppendServerAndClient(const RunResult& r, std::string* out) {
  const ServerConfigFigures c = ServerConfigOf(r);
  if (c.available) {
    absl::StrAppend(
        out, "server: heapd ", c.version, ", lock ", c.lock_policy, " (switch ",
        Nanos(c.switch_interval_ns), "), layout ", c.layout, ", gc ",
        c.gc_enabled ? absl::StrJoin(c.gc_thresholds, "/") : "off",
        c.max_heap_bytes > 0
            ? absl::StrCat(", max heap ", client::Bytes(c.max_heap_bytes))
            : "",
        c.max_objects > 0 ? absl::StrCat(", max objects ", c.max_objects) : "",
        c.max_lock_waiters > 0
            ? absl::StrCat(", max lock waiters ", c.max_lock_waiters)
            : "",
        "\n");
  }
  const ClientLoadFigures l = ClientLoadOf(r);
  absl::StrAppend(out,
                  absl::StrFormat("heapload itself: %.2f CPU cores of %d "
                                  "(%.2f s of CPU)\n",
                                  l.cores_used, l.cores_available, l.cpu_s));
  if (l.bottleneck) absl::StrAppend(out, "** ", l.warning, " **\n");
}

// With a schedule: each stage's seconds (warm-up excluded) summed up.
void AppendStages(const RunResult& r, std::string* out) {
  const Schedule& schedule = r.options.schedule.active()
                                 ? r.options.schedule
                                 : r.options.rate_schedule;
  if (!schedule.active()) return;
  struct Stage {
    int seconds = 0;
    double target = 0, requests = 0, held = 0;
    int held_seconds = 0;
    int64_t completed = 0, failed = 0, p99 = 0;
  };
  std::map<int, Stage> stages;
  for (const TimeSample& s : r.time_series) {
    if (s.warmup) continue;
    Stage& st = stages[s.stage];
    ++st.seconds;
    st.target = s.target_rate > 0 ? s.target_rate : s.target_concurrency;
    st.completed += s.completed;
    st.failed += s.failed;
    st.requests += s.requests_per_s;
    st.p99 = std::max(st.p99, s.p99_ns);
    if (s.lock_available) {
      st.held += s.lock_held_share;
      ++st.held_seconds;
    }
  }
  absl::StrAppend(out, "\nstages (",
                  r.options.schedule.active() ? "calls in flight" : "rate", " ",
                  schedule.text, "):\n");
  absl::StrAppend(out, absl::StrFormat("  %-12s %10s %8s %12s %12s %8s %10s\n",
                                       "stage", "target", "seconds", "req/s",
                                       "worst p99", "errors", "lock held"));
  for (const auto& [index, st] : stages) {
    TimeSample label;
    label.stage = index;
    label.stages = schedule.stages();
    absl::StrAppend(
        out, absl::StrFormat(
                 "  %-12s %10.0f %8d %12.1f %12s %8d %9.0f%%\n",
                 StageLabel(label), st.target, st.seconds,
                 st.requests / st.seconds, Nanos(st.p99), st.failed,
                 st.held_seconds > 0 ? 100 * st.held / st.held_seconds : 0.0));
  }
}

}  // namespace

std::string TextReport(const RunResult& r) {
  const Options& o = r.options;
  const double seconds = absl::ToDoubleSeconds(r.measured);
  std::string out;
  absl::StrAppend(
      &out, "heapload: ", WorkloadName(o.workload),
      o.scenario_file.empty() ? "" : absl::StrCat(" ", o.scenario_file),
      o.batch > 0 ? absl::StrCat(" (batch ", o.batch, ")") : "", " against ",
      o.server, ", ", o.connections, " connections, ", o.concurrency,
      " calls in flight, ",
      o.rate_schedule.active()
          ? absl::StrCat("open loop, rate ", o.rate_schedule.text)
      : o.rate > 0 ? absl::StrFormat("open loop at %.0f req/s", o.rate)
                   : std::string("closed loop"),
      o.schedule.active() ? absl::StrCat(", calls in flight ", o.schedule.text)
                          : "",
      "\n");
  absl::StrAppend(
      &out, absl::StrFormat("measured %.2f s", seconds),
      o.warmup > absl::ZeroDuration()
          ? absl::StrCat(" after a warm-up of ", absl::FormatDuration(o.warmup),
                         " (excluded)")
          : "",
      o.label.empty() ? "" : absl::StrCat("  [", o.label, "]"),
      r.deadline_hit ? "  ** hard deadline hit **" : "", "\n");
  AppendServerAndClient(r, &out);
  AppendStages(r, &out);
  for (const StreamResult& s : r.streams) {
    const LatencyFigures l = LatencyOf(s.latency);
    absl::StrAppend(
        &out, "\n", s.name, ": sent ", s.sent, " = succeeded ", s.succeeded,
        " + failed ", s.failed,
        s.sent == s.succeeded + s.failed ? "" : "  ** counts do not add up **",
        s.unsent_backlog > 0
            ? absl::StrCat("; ", s.unsent_backlog,
                           " scheduled but never sent (backlog)")
            : "",
        "\n");
    absl::StrAppend(
        &out, absl::StrFormat("  throughput  %.1f req/s, %.1f heap ops/s\n",
                              PerSecond(s.succeeded, seconds),
                              PerSecond(s.operations, seconds)));
    absl::StrAppend(&out, "  latency     p50 ", Nanos(l.p50), "  p90 ",
                    Nanos(l.p90), "  p99 ", Nanos(l.p99), "  p99.9 ",
                    Nanos(l.p999), "  max ", Nanos(l.max), "  (mean ",
                    Nanos(l.mean), ")\n");
    std::vector<std::string> errors;
    for (const auto& [code, count] : s.errors) {
      errors.push_back(absl::StrCat(code, " ", count));
    }
    absl::StrAppend(&out, "  errors      ",
                    errors.empty() ? "none" : absl::StrJoin(errors, ", "),
                    "\n");
  }
  if (r.scenario.has_value()) {
    const ScenarioSummary& sc = *r.scenario;
    absl::StrAppend(&out, "\nscenario ", sc.file, ": iterations completed ",
                    sc.iterations_completed, ", abandoned ",
                    sc.iterations_abandoned, "; expectations passed ",
                    sc.expectations_passed, ", failed ", sc.expectations_failed,
                    " (whole run, warm-up included)\n");
    for (const std::string& failure : sc.first_failures) {
      absl::StrAppend(&out, "  failed   ", failure, "\n");
    }
    for (const std::string& error : sc.first_errors) {
      absl::StrAppend(&out, "  stopped  ", error, "\n");
    }
  }
  if (!r.per_connection_succeeded.empty()) {
    const FairnessFigures f = FairnessOf(r);
    absl::StrAppend(
        &out, absl::StrFormat("\nper connection (%d): min %.1f req/s, max %.1f "
                              "req/s, Jain's fairness index %.4f\n",
                              f.connections, f.min_rps, f.max_rps, f.jain));
  }
  const ServerFigures sf = ServerFiguresOf(r);
  if (!sf.available) {
    absl::StrAppend(&out, "\nserver stats unavailable: ", sf.error, "\n");
    return out;
  }
  absl::StrAppend(
      &out,
      absl::StrFormat("\nserver lock (policy %s, switch interval %s) over "
                      "%.2f s\n",
                      sf.policy, Nanos(sf.switch_interval_ns), sf.wall_s));
  absl::StrAppend(&out, absl::StrFormat("  held          %.1f%% of the time\n",
                                        sf.held_share * 100));
  absl::StrAppend(
      &out,
      absl::StrFormat("  acquisitions  %d, contended %d (%.1f%%)\n",
                      sf.acquisitions, sf.contended, sf.contended_share * 100));
  absl::StrAppend(&out, "  wait          mean ", Nanos(sf.wait_mean_ns),
                  " (this run)\n");
  absl::StrAppend(&out, "  hold          mean ", Nanos(sf.hold_mean_ns),
                  " (this run)\n");
  absl::StrAppend(
      &out, absl::StrFormat("  hand-offs     %.1f/s (%d); forced switches "
                            "%d; drop requests %d (this run)\n",
                            sf.handoffs_per_s, sf.handoffs, sf.forced_switches,
                            sf.drop_requests));
  // heapd's histograms carry percentiles, not buckets: these cover the
  // server's whole life, so they stand on a line of their own.
  absl::StrAppend(&out, "  since server start: wait p50 ",
                  Nanos(sf.wait_p50_ns), ", p99 ", Nanos(sf.wait_p99_ns),
                  ", max ", Nanos(sf.wait_max_ns), "; peak waiters ",
                  sf.waiters_peak, "\n");
  if (!sf.by_kind.empty()) {
    absl::StrAppend(
        &out, absl::StrFormat("  %-14s %12s %12s %12s %12s %12s\n", "by method",
                              "acquisitions", "contended", "wait mean",
                              "hold mean", "wait p99*"));
    for (const KindFigures& k : sf.by_kind) {
      absl::StrAppend(
          &out,
          absl::StrFormat("  %-14s %12d %12d %12s %12s %12s\n", k.kind,
                          k.acquisitions, k.contended, Nanos(k.wait_mean_ns),
                          Nanos(k.hold_mean_ns), Nanos(k.wait_p99_ns)));
    }
    absl::StrAppend(&out, "  (* since server start)\n");
  }
  std::vector<std::string> methods;
  for (const auto& [method, calls] : sf.calls_by_method) {
    methods.push_back(absl::StrCat(method, " ", calls));
  }
  absl::StrAppend(&out, "server RPCs    ", sf.rpcs, " (",
                  absl::StrJoin(methods, ", "), "); errors ", sf.rpc_errors,
                  "; sessions open ", sf.sessions_open, "\n");
  return out;
}

std::string TextRunsReport(const std::vector<RunResult>& runs) {
  std::string out;
  for (size_t i = 0; i < runs.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "" : "\n", "=== run ", i + 1, " of ",
                    runs.size(), " ===\n", TextReport(runs[i]));
  }
  absl::StrAppend(&out, "\n=== ", runs.size(), " runs ===\n");
  absl::StrAppend(&out, absl::StrFormat("  %-8s", "run"));
  for (const RunColumn& column : RunFigureColumns()) {
    absl::StrAppend(&out, absl::StrFormat(" %14s", column.name));
  }
  absl::StrAppend(&out, "\n");
  auto row = [&](const std::string& name, auto value_of) {
    absl::StrAppend(&out, absl::StrFormat("  %-8s", name));
    for (const RunColumn& column : RunFigureColumns()) {
      absl::StrAppend(&out, absl::StrFormat(" %14.6g", value_of(column)));
    }
    absl::StrAppend(&out, "\n");
  };
  for (size_t i = 0; i < runs.size(); ++i) {
    row(absl::StrCat(i + 1),
        [&](const RunColumn& column) { return column.value(runs[i]); });
  }
  row("median", [&](const RunColumn& column) {
    std::vector<double> values;
    for (const RunResult& r : runs) values.push_back(column.value(r));
    return Median(values);
  });
  return out;
}

}  // namespace heapd::heapload
