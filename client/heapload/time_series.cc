#include "client/heapload/time_series.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/units.h"

namespace heapd::heapload {
namespace {

std::string NanosOrDash(int64_t ns, int64_t count) {
  return count == 0 ? std::string("-") : client::Nanos(ns);
}

}  // namespace

void SetLockFigures(const v1::StatsResponse* previous,
                    const v1::StatsResponse& now, TimeSample* sample) {
  if (previous == nullptr) return;
  const v1::LockStats& b = previous->lock();
  const v1::LockStats& a = now.lock();
  const int64_t wall_ns =
      now.timestamp_unix_ns() - previous->timestamp_unix_ns();
  if (wall_ns <= 0) return;
  sample->lock_available = true;
  sample->lock_held_share =
      static_cast<double>(a.held_ns_total() - b.held_ns_total()) /
      static_cast<double>(wall_ns);
  sample->lock_acquisitions = a.acquisitions() - b.acquisitions();
  const int64_t contended = a.contended() - b.contended();
  sample->lock_contended_share =
      sample->lock_acquisitions > 0
          ? static_cast<double>(contended) / sample->lock_acquisitions
          : 0.0;
  const int64_t waits = a.wait().count() - b.wait().count();
  sample->lock_wait_mean_ns =
      waits > 0 ? static_cast<double>(a.wait().sum_ns() - b.wait().sum_ns()) /
                      static_cast<double>(waits)
                : 0.0;
  sample->lock_waiters = a.waiters_current();
}

std::string StageLabel(const TimeSample& s) {
  if (s.stages <= 0) return "";
  if (s.stages == 1) return "ramp";
  return absl::StrCat("step ", s.stage + 1, "/", s.stages);
}

std::string ProgressLines(const TimeSample& s) {
  std::string target;
  if (s.stages > 0) {
    target =
        s.target_rate > 0
            ? absl::StrFormat(" %s rate %.0f/s", StageLabel(s), s.target_rate)
            : absl::StrFormat(" %s concurrency %d", StageLabel(s),
                              s.target_concurrency);
  }
  const std::string head = absl::StrFormat("heapload %6.1fs %-6s", s.t_s,
                                           s.warmup ? "warmup" : "run");
  std::string window = absl::StrFormat(
      "%s%s  last %.1fs: %.0f req/s  p50 %s  p99 %s  errors %d", head, target,
      s.interval_s, s.requests_per_s, NanosOrDash(s.p50_ns, s.completed),
      NanosOrDash(s.p99_ns, s.completed), s.failed);
  if (s.lock_available) {
    absl::StrAppend(&window, absl::StrFormat("  lock held %.0f%%",
                                             100 * s.lock_held_share));
  }
  absl::StrAppend(&window, absl::StrFormat("  heapload cpu %.2f cores\n",
                                           s.client_cpu_cores));
  std::string total =
      s.warmup
          ? absl::StrFormat(
                "%s  since start: (warming up, not measured)  in flight "
                "%d\n",
                head, s.in_flight)
          : absl::StrFormat(
                "%s  since %s: %d ok, %.0f req/s  p99 %s  errors %d  in "
                "flight %d\n",
                head, s.has_warmup ? "warm-up end" : "start", s.total_succeeded,
                s.total_requests_per_s,
                NanosOrDash(s.total_p99_ns, s.total_succeeded + s.total_failed),
                s.total_failed, s.in_flight);
  return window + total;
}

double ProcessCpuSeconds() {
  rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

int CoresAvailable() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace heapd::heapload
