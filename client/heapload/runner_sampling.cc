// The runner's clock-keeper duties beside the run's course: the schedule's
// level ten times a second, the time-series sample every second.
#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "client/heapload/runner_internal.h"

namespace heapd::heapload::runner_internal {

void Runner::ApplySchedule(int64_t now_ns) {
  if (streams_.empty() || !streams_.front()->scheduled) return;
  Stream* stream = streams_.front().get();
  const int level = static_cast<int>(
      options_.schedule.LevelAt(absl::Nanoseconds(now_ns - warmup_end_ns_)));
  std::vector<Slot*> let_in;
  {
    std::lock_guard<std::mutex> lock(stream->parked_mu);
    stream->active = level;
    auto waiting = std::partition(
        stream->parked.begin(), stream->parked.end(),
        [level](const Slot* slot) { return slot->index >= level; });
    let_in.assign(waiting, stream->parked.end());
    stream->parked.erase(waiting, stream->parked.end());
  }
  for (Slot* slot : let_in) Issue(slot, NowNs());
}

void Runner::TakeSample(std::ostream* progress, int64_t now_ns) {
  if (streams_.empty()) return;
  Stream* stream = streams_.front().get();
  TimeSample s;
  s.t_s = static_cast<double>(now_ns - start_ns_) / 1e9;
  // A second's phase, stage and targets are those of its middle: a sample
  // taken just after a boundary belongs to the second before it.
  const int64_t middle_ns = (sample_last_ns_ + now_ns) / 2;
  s.warmup = middle_ns < warmup_end_ns_;
  s.has_warmup = warmup_end_ns_ > start_ns_;
  const absl::Duration since_warmup =
      absl::Nanoseconds(middle_ns - warmup_end_ns_);
  const Schedule& schedule =
      options_.schedule.active() ? options_.schedule : options_.rate_schedule;
  s.stages = schedule.stages();
  s.stage = schedule.StageAt(since_warmup);
  s.target_concurrency = stream->scheduled
                             ? static_cast<int>(schedule.LevelAt(since_warmup))
                             : options_.concurrency;
  s.target_rate =
      stream->rate_scheduled ? schedule.LevelAt(since_warmup) : stream->rate;
  s.interval_s = static_cast<double>(now_ns - sample_last_ns_) / 1e9;
  const int64_t completed = stream->completed_all.load();
  const int64_t failed = stream->failed_all.load();
  s.completed = completed - sample_last_completed_;
  s.failed = failed - sample_last_failed_;
  s.requests_per_s = s.interval_s > 0 ? s.completed / s.interval_s : 0;
  ResponseTimeHistogram window;
  ResponseTimeHistogram measured;
  for (Stream::Shard& shard : stream->shards) {
    std::lock_guard<std::mutex> lock(shard.mu);
    window.Merge(shard.window);
    shard.window.Reset();
    measured.Merge(shard.latency);
  }
  s.p50_ns = window.Percentile(50);
  s.p99_ns = window.Percentile(99);
  s.max_ns = window.max();
  s.in_flight = in_flight_.load();
  s.total_succeeded = stream->succeeded.load();
  s.total_failed = stream->failed.load();
  const double measured_s = static_cast<double>(now_ns - warmup_end_ns_) / 1e9;
  s.total_requests_per_s = measured_s > 0 ? s.total_succeeded / measured_s : 0;
  s.total_p99_ns = measured.Percentile(99);
  const double cpu = ProcessCpuSeconds();
  s.client_cpu_cores =
      s.interval_s > 0 ? (cpu - sample_last_cpu_s_) / s.interval_s : 0;
  // The LOCK section only: heapd answers it without the interpreter lock.
  absl::StatusOr<v1::StatsResponse> stats =
      connections_.Sample({v1::LOCK}, absl::Milliseconds(500));
  if (stats.ok()) {
    SetLockFigures(sample_last_stats_ ? &*sample_last_stats_ : nullptr, *stats,
                   &s);
    sample_last_stats_ = *std::move(stats);
  } else {
    sample_last_stats_.reset();
  }
  sample_last_ns_ = now_ns;
  sample_last_completed_ = completed;
  sample_last_failed_ = failed;
  sample_last_cpu_s_ = cpu;
  if (progress != nullptr && options_.progress) *progress << ProgressLines(s);
  time_series_.push_back(std::move(s));
}

}  // namespace heapd::heapload::runner_internal
