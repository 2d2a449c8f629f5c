#include "client/heapload/report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/units.h"

namespace heapd::heapload {
namespace {

using client::Nanos;

// --- small helpers ---------------------------------------------------------

double PerSecond(double count, double seconds) {
  return seconds > 0 ? count / seconds : 0.0;
}

double Ratio(double a, double b) { return b != 0 ? a / b : 0.0; }

// Writes pretty-printed JSON objects with keys in the order given, so the
// report reads top-down like the text one.
class JsonWriter {
 public:
  // Opens an object: the root (empty key) or a member of the open object.
  void Begin(absl::string_view key) {
    if (!first_.empty()) Key(key);
    out_ += "{";
    first_.push_back(true);
  }
  void End() {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) {
      out_ += "\n";
      out_.append(2 * first_.size(), ' ');
    }
    out_ += "}";
    if (first_.empty()) out_ += "\n";
  }
  void Number(absl::string_view key, double v) {
    Key(key);
    if (!std::isfinite(v)) {
      out_ += "null";
    } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
      absl::StrAppend(&out_, static_cast<int64_t>(v));
    } else {
      out_ += absl::StrFormat("%.10g", v);
    }
  }
  void Bool(absl::string_view key, bool v) {
    Key(key);
    out_ += v ? "true" : "false";
  }
  void String(absl::string_view key, absl::string_view v) {
    Key(key);
    Quote(v);
  }
  // An array of strings, on one line.
  void Strings(absl::string_view key, const std::vector<std::string>& v) {
    Key(key);
    out_ += "[";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out_ += ", ";
      Quote(v[i]);
    }
    out_ += "]";
  }
  const std::string& text() const { return out_; }

 private:
  void Key(absl::string_view key) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    out_ += "\n";
    out_.append(2 * first_.size(), ' ');
    Quote(key);
    out_ += ": ";
  }
  void Quote(absl::string_view v) {
    out_ += '"';
    for (char c : v) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out_ += absl::StrFormat("\\u%04x", static_cast<int>(c));
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  // One entry per open object: no member written yet.
  std::vector<bool> first_;
};

// --- the figures both reports show -----------------------------------------

struct LatencyFigures {
  int64_t count, min, p50, p90, p99, p999, max;
  double mean;
};

LatencyFigures LatencyOf(const ResponseTimeHistogram& h) {
  return {h.count(),        h.min(),          h.Percentile(50),
          h.Percentile(90), h.Percentile(99), h.Percentile(99.9),
          h.max(),          h.mean()};
}

struct KindFigures {
  std::string kind;
  int64_t acquisitions, contended;
  double wait_mean_ns, hold_mean_ns;
  int64_t wait_p99_ns, hold_p99_ns;  // since server start
};

// The server's lock and RPC counters over the window between two snapshots.
struct ServerFigures {
  bool available = false;
  std::string error;
  std::string policy;
  int64_t switch_interval_ns = 0;
  double wall_s = 0;
  double held_share = 0;
  int64_t acquisitions = 0, contended = 0;
  double contended_share = 0;
  double wait_mean_ns = 0, hold_mean_ns = 0;
  int64_t wait_p50_ns = 0, wait_p90_ns = 0, wait_p99_ns = 0, wait_p999_ns = 0,
          wait_max_ns = 0;
  int64_t handoffs = 0;
  double handoffs_per_s = 0;
  int64_t waiters_peak = 0, forced_switches = 0, drop_requests = 0;
  std::vector<KindFigures> by_kind;
  int64_t rpcs = 0, rpc_errors = 0, sessions_open = 0;
  std::map<std::string, int64_t> calls_by_method;
};

double MeanOfDelta(const v1::Histogram& before, const v1::Histogram& after) {
  return Ratio(static_cast<double>(after.sum_ns() - before.sum_ns()),
               static_cast<double>(after.count() - before.count()));
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

struct FairnessFigures {
  int connections = 0;
  double min_rps = 0, max_rps = 0, jain = 1;
};

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

constexpr const char* kPercentileScope =
    "since server start: heapd's Histogram message carries percentiles, not "
    "buckets, so a window's percentiles cannot be derived from two snapshots";

}  // namespace

double JainsFairnessIndex(const std::vector<double>& values) {
  double sum = 0, squares = 0;
  for (double v : values) {
    sum += v;
    squares += v * v;
  }
  if (values.empty() || squares == 0) return 1.0;
  return sum * sum / (static_cast<double>(values.size()) * squares);
}

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
      o.rate > 0 ? absl::StrFormat("open loop at %.0f req/s", o.rate)
                 : std::string("closed loop"),
      "\n");
  absl::StrAppend(
      &out, absl::StrFormat("measured %.2f s", seconds),
      o.warmup > absl::ZeroDuration()
          ? absl::StrCat(" after a warm-up of ", absl::FormatDuration(o.warmup),
                         " (excluded)")
          : "",
      o.label.empty() ? "" : absl::StrCat("  [", o.label, "]"),
      r.deadline_hit ? "  ** hard deadline hit **" : "", "\n");
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
                  " in the window; p50 ", Nanos(sf.wait_p50_ns), ", p99 ",
                  Nanos(sf.wait_p99_ns), ", max ", Nanos(sf.wait_max_ns),
                  " since server start\n");
  absl::StrAppend(&out, "  hold          mean ", Nanos(sf.hold_mean_ns), "\n");
  absl::StrAppend(
      &out, absl::StrFormat("  hand-offs     %.1f/s (%d); forced switches "
                            "%d; drop requests %d; peak waiters %d (since "
                            "start)\n",
                            sf.handoffs_per_s, sf.handoffs, sf.forced_switches,
                            sf.drop_requests, sf.waiters_peak));
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

std::string JsonReport(const RunResult& r) {
  const Options& o = r.options;
  const double seconds = absl::ToDoubleSeconds(r.measured);
  JsonWriter w;
  w.Begin("");
  w.String("label", o.label);

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
  w.End();
  return w.text();
}

}  // namespace heapd::heapload
