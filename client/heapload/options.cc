#include "client/heapload/options.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/heapload/scenario_program.h"

namespace heapd::heapload {
namespace {

absl::Status Invalid(absl::string_view flag, absl::string_view value,
                     absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", value, ": ", why));
}

absl::Status ParseInt(absl::string_view flag, absl::string_view value,
                      int64_t min, int64_t max, int64_t* out) {
  int64_t v;
  if (!absl::SimpleAtoi(value, &v))
    return Invalid(flag, value, "not an integer");
  if (v < min || v > max) {
    return Invalid(flag, value,
                   absl::StrCat("must be between ", min, " and ", max));
  }
  *out = v;
  return absl::OkStatus();
}

absl::Status ParseIntFlag(absl::string_view flag, absl::string_view value,
                          int min, int max, int* out) {
  int64_t v;
  absl::Status s = ParseInt(flag, value, min, max, &v);
  if (s.ok()) *out = static_cast<int>(v);
  return s;
}

absl::Status ParseRate(absl::string_view flag, absl::string_view value,
                       double* out) {
  double v;
  if (!absl::SimpleAtod(value, &v) || !std::isfinite(v)) {
    return Invalid(flag, value, "not a number");
  }
  if (v < 0) return Invalid(flag, value, "must be >= 0");
  *out = v;
  return absl::OkStatus();
}

// "10s", "500ms", "1m30s"; a bare number means seconds.
absl::Status ParseDurationFlag(absl::string_view flag, absl::string_view value,
                               absl::Duration* out) {
  double seconds;
  if (absl::SimpleAtod(value, &seconds)) {
    if (seconds < 0) return Invalid(flag, value, "must be >= 0");
    *out = absl::Seconds(seconds);
    return absl::OkStatus();
  }
  absl::Duration d;
  if (!absl::ParseDuration(value, &d)) {
    return Invalid(flag, value, "not a duration (e.g. 10s, 500ms, 2m)");
  }
  if (d < absl::ZeroDuration()) return Invalid(flag, value, "must be >= 0");
  *out = d;
  return absl::OkStatus();
}

absl::Status ParseBool(absl::string_view flag, absl::string_view value,
                       bool* out) {
  if (value == "true" || value == "1" || value == "yes") {
    *out = true;
  } else if (value == "false" || value == "0" || value == "no") {
    *out = false;
  } else {
    return Invalid(flag, value, "not a boolean (true or false)");
  }
  return absl::OkStatus();
}

// "alloc-free:5,cycles:1,link-churn:2".
absl::Status ParseMix(absl::string_view value, std::vector<MixWeight>* out) {
  out->clear();
  for (absl::string_view entry : absl::StrSplit(value, ',')) {
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(entry, absl::MaxSplits(':', 1));
    std::optional<WorkloadKind> kind = WorkloadFromName(parts.first);
    if (!kind.has_value() || *kind == WorkloadKind::kMixed ||
        *kind == WorkloadKind::kStatsPoll) {
      return Invalid("mix", value,
                     absl::StrCat("'", parts.first,
                                  "' is not ping, alloc-free, cycles or "
                                  "link-churn"));
    }
    int weight = 1;
    if (!parts.second.empty() &&
        (!absl::SimpleAtoi(parts.second, &weight) || weight < 0)) {
      return Invalid("mix", value,
                     absl::StrCat("weight '", parts.second,
                                  "' is not a non-negative integer"));
    }
    out->push_back({*kind, weight});
  }
  int total = 0;
  for (const MixWeight& m : *out) total += m.weight;
  if (total <= 0) return Invalid("mix", value, "the weights sum to 0");
  return absl::OkStatus();
}

// HOST:PORT, or a gRPC target naming its scheme: the client library's
// rule (client/server_address.h), so every client takes the same addresses.
absl::Status ParseServer(absl::string_view v, std::string* out) {
  if (absl::Status checked = client::CheckServerAddress(v); !checked.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--server=", checked.message()));
  }
  *out = std::string(v);
  return absl::OkStatus();
}

// "text,json": each once, from text, json, csv, hgrm.
absl::Status ParseFormats(absl::string_view v, std::vector<std::string>* out) {
  out->clear();
  for (absl::string_view f : absl::StrSplit(v, ',')) {
    if (f != "text" && f != "json" && f != "csv" && f != "hgrm") {
      return Invalid("format", v,
                     absl::StrCat("'", f,
                                  "' is not text, json, csv or hgrm (several "
                                  "go comma-separated: text,json)"));
    }
    if (std::find(out->begin(), out->end(), f) != out->end()) {
      return Invalid("format", v, absl::StrCat("'", f, "' given twice"));
    }
    out->push_back(std::string(f));
  }
  return absl::OkStatus();
}

// --schedule and --rate_schedule against the loop they shape; a schedule
// gives the run its length unless --duration did.
absl::Status ApplySchedules(bool* duration_set, bool concurrency_set,
                            Options* o) {
  const Schedule* active = nullptr;
  if (o->schedule.active() && o->rate_schedule.active()) {
    return absl::InvalidArgumentError(
        "--schedule and --rate_schedule: give one (--schedule shapes the "
        "calls in flight of the closed loop, --rate_schedule the rate of the "
        "open loop)");
  }
  if (o->schedule.active()) {
    active = &o->schedule;
    if (o->rate > 0) {
      return absl::InvalidArgumentError(
          "--schedule shapes the calls in flight of the closed loop; with "
          "--rate (the open loop) use --rate_schedule instead");
    }
    const int top =
        static_cast<int>(std::max(o->schedule.start, o->schedule.end));
    if (concurrency_set && o->concurrency != top) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--concurrency=", o->concurrency, " and --schedule=",
          o->schedule.text, ": the schedule sets the calls in flight (up to ",
          top, "); leave out --concurrency"));
    }
    o->concurrency = top;
  }
  if (o->rate_schedule.active()) {
    active = &o->rate_schedule;
    if (o->rate > 0) {
      return absl::InvalidArgumentError(
          "--rate and --rate_schedule: give one (the schedule starts at its "
          "start= rate)");
    }
    o->rate = o->rate_schedule.start;
  }
  if (active == nullptr) return absl::OkStatus();
  if (o->workload == WorkloadKind::kStatsPoll) {
    return absl::InvalidArgumentError(
        "a schedule shapes the workload: not --workload=stats-poll");
  }
  if (!*duration_set) {
    o->duration = active->length();
    *duration_set = true;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Options> ParseOptions(const std::vector<std::string>& args) {
  Options o;
  bool concurrency_set = false;
  bool mix_set = false;
  bool duration_set = false;
  bool pollers_set = false;
  bool workload_set = false;
  bool format_set = false;

  using Setter = std::function<absl::Status(absl::string_view name,
                                            absl::string_view value)>;
  std::map<std::string, Setter> value_flags = {
      {"server",
       [&](auto, absl::string_view v) { return ParseServer(v, &o.server); }},
      {"connections",
       [&](auto n, auto v) {
         return ParseIntFlag(n, v, 1, 100000, &o.connections);
       }},
      {"concurrency",
       [&](auto n, auto v) {
         concurrency_set = true;
         return ParseIntFlag(n, v, 1, 1000000, &o.concurrency);
       }},
      {"duration",
       [&](auto n, auto v) {
         duration_set = true;
         return ParseDurationFlag(n, v, &o.duration);
       }},
      {"requests",
       [&](auto n, auto v) {
         return ParseInt(n, v, 0, int64_t{1} << 50, &o.requests);
       }},
      {"rate", [&](auto n, auto v) { return ParseRate(n, v, &o.rate); }},
      {"warmup",
       [&](auto n, auto v) { return ParseDurationFlag(n, v, &o.warmup); }},
      {"batch",
       [&](auto n, auto v) {
         return ParseIntFlag(n, v, 0, 1000000, &o.batch);
       }},
      {"workload",
       [&](auto n, absl::string_view v) {
         std::optional<WorkloadKind> kind = WorkloadFromName(v);
         if (!kind.has_value()) {
           return Invalid(n, v,
                          "not ping, alloc-free, cycles, link-churn, mixed "
                          "or stats-poll");
         }
         o.workload = *kind;
         workload_set = true;
         return absl::OkStatus();
       }},
      {"scenario",
       [&](auto n, absl::string_view v) {
         if (v.empty()) return Invalid(n, v, "needs a file");
         o.scenario_file = std::string(v);
         return absl::OkStatus();
       }},
      {"mix",
       [&](auto, auto v) {
         mix_set = true;
         return ParseMix(v, &o.mix);
       }},
      {"stats_pollers",
       [&](auto n, auto v) {
         pollers_set = true;
         return ParseIntFlag(n, v, 0, 10000, &o.stats_pollers);
       }},
      {"stats_rate",
       [&](auto n, auto v) { return ParseRate(n, v, &o.stats_rate); }},
      {"convoy_batch",
       [&](auto n, auto v) {
         return ParseIntFlag(n, v, 0, 1000000, &o.convoy_batch);
       }},
      {"live_objects",
       [&](auto n, auto v) {
         return ParseIntFlag(n, v, 2, 100000, &o.live_objects);
       }},
      {"timeout",
       [&](auto n, auto v) { return ParseDurationFlag(n, v, &o.timeout); }},
      {"deadline",
       [&](auto n, auto v) { return ParseDurationFlag(n, v, &o.deadline); }},
      {"schedule",
       [&](auto n, absl::string_view v) {
         absl::StatusOr<Schedule> s = ParseSchedule(n, v, /*integer=*/true);
         if (!s.ok()) return s.status();
         o.schedule = *std::move(s);
         return absl::OkStatus();
       }},
      {"rate_schedule",
       [&](auto n, absl::string_view v) {
         absl::StatusOr<Schedule> s = ParseSchedule(n, v, /*integer=*/false);
         if (!s.ok()) return s.status();
         o.rate_schedule = *std::move(s);
         return absl::OkStatus();
       }},
      {"runs",
       [&](auto n, auto v) { return ParseIntFlag(n, v, 1, 1000, &o.runs); }},
      {"format",
       [&](auto, absl::string_view v) {
         format_set = true;
         return ParseFormats(v, &o.formats);
       }},
      {"output",
       [&](auto n, absl::string_view v) {
         if (v.empty()) return Invalid(n, v, "needs a file name");
         o.output = std::string(v);
         return absl::OkStatus();
       }},
      {"hdr_file",
       [&](auto n, absl::string_view v) {
         if (v.empty()) return Invalid(n, v, "needs a file name");
         o.hdr_file = std::string(v);
         return absl::OkStatus();
       }},
      {"label",
       [&](auto, absl::string_view v) {
         o.label = std::string(v);
         return absl::OkStatus();
       }},
      {"client_name",
       [&](auto, absl::string_view v) {
         o.client_name = std::string(v);
         return absl::OkStatus();
       }},
  };
  for (const char* flag : client::kSecurityFlagNames) {
    value_flags[flag] = [&o, flag](absl::string_view, absl::string_view v) {
      *client::SecurityFlagField(&o.security, flag) = std::string(v);
      return absl::OkStatus();
    };
  }
  const std::map<std::string, bool*> bool_flags = {
      {"json", &o.json},
      {"progress", &o.progress},
      {"errors_only", &o.errors_only},
  };

  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (!absl::ConsumePrefix(&arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument '", arg, "': flags look like --name=value"));
    }
    std::pair<absl::string_view, absl::string_view> parts =
        absl::StrSplit(arg, absl::MaxSplits('=', 1));
    const bool has_value = arg.find('=') != absl::string_view::npos;
    const std::string name = absl::StrReplaceAll(parts.first, {{"-", "_"}});
    if (auto b = bool_flags.find(name); b != bool_flags.end()) {
      if (!has_value) {
        *b->second = true;
      } else if (absl::Status s = ParseBool(name, parts.second, b->second);
                 !s.ok()) {
        return s;
      }
      continue;
    }
    auto f = value_flags.find(name);
    if (f == value_flags.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", parts.first,
                       "; run heapload --help for the flags"));
    }
    std::string value;
    if (has_value) {
      value = std::string(parts.second);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("--", parts.first, " needs a value"));
    }
    if (absl::Status s = f->second(name, value); !s.ok()) return s;
  }

  // Relations between flags.
  if (!o.scenario_file.empty()) {
    if (workload_set) {
      return absl::InvalidArgumentError(
          absl::StrCat("--scenario is the workload: leave out --workload=",
                       WorkloadName(o.workload)));
    }
    if (mix_set) {
      return absl::InvalidArgumentError(
          "--mix goes with --workload=mixed, not with --scenario");
    }
    if (o.batch > 0) {
      return absl::InvalidArgumentError(
          "--batch does not apply to --scenario: a scenario sends one RPC "
          "per statement step, and its later steps depend on the earlier "
          "replies");
    }
    absl::StatusOr<std::shared_ptr<const scenario::Scenario>> scenario =
        LoadScenarioFile(o.scenario_file);
    if (!scenario.ok()) return scenario.status();
    o.scenario = *std::move(scenario);
    o.workload = WorkloadKind::kScenario;
  }
  if (mix_set) {
    if (o.workload == WorkloadKind::kPing) o.workload = WorkloadKind::kMixed;
    if (o.workload != WorkloadKind::kMixed) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mix goes with --workload=mixed, not --workload=",
                       WorkloadName(o.workload)));
    }
  }
  if (absl::Status s = ApplySchedules(&duration_set, concurrency_set, &o);
      !s.ok()) {
    return s;
  }
  if (!concurrency_set && !o.schedule.active()) o.concurrency = o.connections;
  if (o.workload != WorkloadKind::kStatsPoll && o.concurrency < o.connections) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--concurrency=", o.concurrency, " is below --connections=",
        o.connections, ": every connection needs at least one call in flight"));
  }
  if (o.workload == WorkloadKind::kStatsPoll && !pollers_set) {
    o.stats_pollers = 1;
  }
  if (o.workload == WorkloadKind::kStatsPoll && o.stats_pollers == 0) {
    return absl::InvalidArgumentError(
        "--workload=stats-poll needs --stats_pollers >= 1");
  }
  if (o.stats_pollers > 0 && o.stats_rate <= 0) {
    return absl::InvalidArgumentError(
        "--stats_rate must be > 0 when there are stats pollers");
  }
  if (o.requests == 0 && o.duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "nothing would stop the run: give --duration > 0 or --requests > 0");
  }
  if (o.requests > 0 && !duration_set) o.duration = absl::InfiniteDuration();
  if (o.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--timeout must be > 0");
  }
  if (o.json) {
    if (format_set && o.formats != std::vector<std::string>{"json"}) {
      return absl::InvalidArgumentError(
          "--json is --format=json: give one or the other");
    }
    o.formats = {"json"};
  }
  if (o.output.empty() && o.formats.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=", absl::StrJoin(o.formats, ","),
        ": several formats go to files: add --output=NAME (NAME.txt, "
        "NAME.json, ...)"));
  }
  return o;
}

std::string OutputPath(const Options& options, const std::string& format) {
  if (options.output.empty()) return "";
  const std::string extension =
      format == "text" ? ".txt" : absl::StrCat(".", format);
  if (options.formats.size() == 1 &&
      absl::EndsWith(options.output, extension)) {
    return options.output;
  }
  return absl::StrCat(options.output, extension);
}

std::string HdrPath(const Options& options, int run) {
  if (options.runs <= 1) return options.hdr_file;
  const std::string& path = options.hdr_file;
  const size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    dot = path.size();
  }
  return absl::StrCat(path.substr(0, dot), "-run", run, path.substr(dot));
}

absl::Duration EffectiveDeadline(const Options& options) {
  if (options.deadline > absl::ZeroDuration()) return options.deadline;
  if (options.duration == absl::InfiniteDuration()) {
    return options.warmup + absl::Minutes(10);
  }
  return options.warmup + options.duration + absl::Seconds(30);
}

std::string Usage() {
  return R"(heapload: a load generator for heapd's interpreter lock.

Usage: heapload [--flag=value ...]

Target and shape
  --server=HOST:PORT      the heapd to load (default $HEAPD_SERVER, else
                          127.0.0.1:50051)
  --tls_ca=PEM, --tls_cert=PEM, --tls_key=PEM, --tls_server_name=NAME
                          TLS to heapd (mutual with a certificate)
  --token_file=FILE       bearer token for heapd's access control (or the
                          HEAPD_TOKEN variable)
  --connections=N         distinct TCP connections (default 1)
  --concurrency=N         calls in flight in total, spread over the
                          connections (default: one per connection)
  --duration=D            measured time, e.g. 10s, 500ms (default 10s)
  --requests=N            measured calls to send (with --duration: whichever
                          ends first)
  --rate=R                open loop: R calls/s in total at intended send
                          times; latency counts from the intended time.
                          0 (default): closed loop
  --warmup=D              run this long first, excluded from the results
  --timeout=D             deadline of each call and of connecting
                          (default 10s)
  --deadline=D            hard end of the whole run (default warmup +
                          duration + 30s)

Workload
  --workload=W            ping | alloc-free | cycles | link-churn | mixed |
                          stats-poll (default ping)
  --batch=K               K operations per Batch call (0: single RPCs)
  --errors_only           Batch answers carry the failed operations only
                          (BatchRequest.errors_only), as pipelined Redis
                          clients skip their OKs
  --mix=W:N,...           weights for mixed, e.g. alloc-free:5,cycles:1,
                          link-churn:2 (implies --workload=mixed)
  --scenario=FILE         run a scenario-language file (docs/scenarios.md)
                          on every slot, over and over, instead of a
                          workload; its expectations are counted in the
                          report
  --live_objects=N        objects per link-churn slot (default 8)
  --stats_pollers=N       dashboards polling Stats beside the workload
  --stats_rate=R          polls per second per poller (default 10)
  --convoy_batch=K        one extra connection runs alloc-free Batches of K
                          operations back to back (the long lock holder)

Schedules (time counts from the end of the warm-up; the schedule's length
is the --duration unless one is given, after which the last level holds)
  --schedule=SPEC         calls in flight over time (closed loop), e.g.
                          step:start=8,end=256,step=8,every=5s or
                          line:start=8,end=256,over=60s
  --rate_schedule=SPEC    the open loop's rate over time, e.g.
                          step:start=100,end=1000,step=100,every=5s or
                          line:start=100,end=2000,over=30s
  --runs=N                repeat the run N times: each is reported, then
                          the median of the runs

Output
  --format=LIST           text, json, csv (the per-second time series),
                          hgrm (HdrHistogram percentile distribution);
                          several need --output (default text)
  --output=NAME           write each format to NAME.txt, NAME.json,
                          NAME.csv, NAME.hgrm (NAME itself when it already
                          ends so and one format is asked); the text report
                          still goes to stdout
  --hdr_file=PATH         the workload's latency distribution in
                          HdrHistogram's .hgrm format (microseconds)
  --json                  the report as JSON on stdout (every field)
  --progress=false        no progress line on stderr
  --label=TEXT            copied into the report
  --client_name=NAME      sessions are named NAME-<connection>
)";
}

}  // namespace heapd::heapload
