#include "client/heapload/runner.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/heapload/connections.h"
#include "client/heapload/runner_internal.h"
#include "client/heapload/workloads.h"
#include "client/units.h"
#include "proto/heap.grpc.pb.h"

namespace heapd::heapload {
namespace runner_internal {

void Runner::BuildStreams() {
  const int n = options_.connections;
  if (options_.scenario != nullptr) {
    scenario_tally_ = std::make_shared<ScenarioTally>();
  }
  if (options_.workload != WorkloadKind::kStatsPoll) {
    auto stream = std::make_unique<Stream>();
    stream->name = "workload";
    stream->rate = options_.rate;
    stream->capped = true;
    stream->per_connection = true;
    stream->scheduled = options_.schedule.active();
    stream->rate_scheduled = options_.rate_schedule.active();
    stream->active = stream->scheduled
                         ? static_cast<int>(options_.schedule.start)
                         : options_.concurrency;
    for (int j = 0; j < options_.concurrency; ++j) {
      auto slot = std::make_unique<Slot>();
      slot->stream = stream.get();
      slot->connection = connections_.at(j % n);
      slot->index = j;
      ProgramSettings settings;
      settings.session_id = slot->connection->session_id;
      settings.batch = options_.batch;
      settings.errors_only = options_.errors_only;
      settings.live_objects = options_.live_objects;
      settings.mix = options_.mix;
      settings.seed = static_cast<uint64_t>(j) * 7919 + 17;
      settings.scenario = options_.scenario;
      settings.scenario_tally = scenario_tally_;
      slot->program = NewCallProgram(options_.workload, settings);
      stream->slots.push_back(std::move(slot));
    }
    streams_.push_back(std::move(stream));
  }
  if (options_.stats_pollers > 0) {
    auto stream = std::make_unique<Stream>();
    stream->name = "stats_poll";
    stream->rate = options_.stats_pollers * options_.stats_rate;
    stream->capped = options_.workload == WorkloadKind::kStatsPoll;
    for (int p = 0; p < options_.stats_pollers; ++p) {
      auto slot = std::make_unique<Slot>();
      slot->stream = stream.get();
      slot->connection = connections_.at(p % n);
      slot->index = p;
      slot->program = NewCallProgram(WorkloadKind::kStatsPoll, {});
      stream->slots.push_back(std::move(slot));
    }
    streams_.push_back(std::move(stream));
  }
  if (convoy_connection_ != nullptr) {
    auto stream = std::make_unique<Stream>();
    stream->name = "convoy";
    auto slot = std::make_unique<Slot>();
    slot->stream = stream.get();
    slot->connection = convoy_connection_;
    ProgramSettings settings;
    settings.session_id = convoy_connection_->session_id;
    settings.batch = options_.convoy_batch;
    slot->program = NewCallProgram(WorkloadKind::kAllocFree, settings);
    stream->slots.push_back(std::move(slot));
    streams_.push_back(std::move(stream));
  }
}

bool Runner::Issue(Slot* slot, int64_t intended_ns) {
  if (Stopped()) return false;
  Stream* stream = slot->stream;
  const bool measured = intended_ns >= warmup_end_ns_;
  if (measured && stream->capped && options_.requests > 0 &&
      requests_issued_.fetch_add(1) >= options_.requests) {
    RequestStop();
    return false;
  }
  in_flight_.fetch_add(1);
  if (measured) stream->sent.fetch_add(1);
  grpc::ClientContext* context;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    slot->previous = std::move(slot->context);
    slot->context = std::make_unique<grpc::ClientContext>();
    connections_.Prepare(slot->context.get());
    slot->context->set_deadline(std::chrono::system_clock::now() +
                                absl::ToChronoNanoseconds(options_.timeout));
    context = slot->context.get();
  }
  CallStartGuard start_guard;  // see workloads.h: TSan builds only
  slot->program->StartNext(slot->connection->stub.get(), context,
                           [this, slot, intended_ns, measured](
                               const grpc::Status& status, int64_t operations) {
                             OnDone(slot, intended_ns, measured, status,
                                    operations);
                           });
  return true;
}

void Runner::OnDone(Slot* slot, int64_t intended_ns, bool measured,
                    const grpc::Status& status, int64_t operations) {
  const int64_t now = NowNs();
  Stream* stream = slot->stream;
  stream->completed_all.fetch_add(1);
  if (!status.ok()) stream->failed_all.fetch_add(1);
  if (measured) {
    {
      Stream::Shard& shard = stream->shards[slot->index % kShards];
      std::lock_guard<std::mutex> lock(shard.mu);
      shard.latency.Record(now - intended_ns);
      if (!status.ok()) ++shard.errors[CodeName(status.error_code())];
    }
  }
  {
    Stream::Shard& shard = stream->shards[slot->index % kShards];
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.window.Record(now - intended_ns);
  }
  if (measured) {
    if (status.ok()) {
      stream->succeeded.fetch_add(1);
      stream->operations.fetch_add(operations);
      if (stream->per_connection) slot->connection->succeeded.fetch_add(1);
    } else {
      stream->failed.fetch_add(1);
    }
    int64_t last = last_completion_ns_.load();
    while (last < now &&
           !last_completion_ns_.compare_exchange_weak(last, now)) {
    }
  }
  bool parked = false;
  if (stream->scheduled) {
    std::lock_guard<std::mutex> lock(stream->parked_mu);
    if (slot->index >= stream->active) {
      stream->parked.push_back(slot);
      parked = true;
    }
  }
  if (parked) {
    // Waits for the schedule to let it in again.
  } else if (stream->rate == 0) {
    Issue(slot, NowNs());
  } else {
    std::lock_guard<std::mutex> lock(stream->free_mu);
    stream->free.push_back(slot);
    stream->free_cv.notify_one();
  }
  if (in_flight_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(quiet_mu_);
    quiet_cv_.notify_all();
  }
}

int64_t Runner::NextIntended(const Stream* stream, int64_t t) const {
  double rate = stream->rate;
  if (stream->rate_scheduled) {
    rate =
        options_.rate_schedule.LevelAt(absl::Nanoseconds(t - warmup_end_ns_));
  }
  return t + std::max<int64_t>(1, std::llround(1e9 / rate));
}

void Runner::Dispatch(Stream* stream) {
  // Calls from the one intended at `t` whose time came before `limit` and
  // would have been measured: the backlog the end of the run left unsent.
  auto count_unsent = [&](int64_t t) {
    const int64_t limit = std::min(NowNs(), end_ns_);
    int64_t unsent = 0;
    for (; t < limit; t = NextIntended(stream, t)) {
      if (t >= warmup_end_ns_) ++unsent;
    }
    stream->unsent.fetch_add(unsent);
  };
  for (int64_t t = start_ns_;; t = NextIntended(stream, t)) {
    if (t >= end_ns_) return;
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      stop_cv_.wait_until(lock, AtNs(t), [&] { return Stopped(); });
    }
    if (Stopped()) return count_unsent(t);
    Slot* slot = nullptr;
    {
      std::unique_lock<std::mutex> lock(stream->free_mu);
      stream->free_cv.wait(lock,
                           [&] { return !stream->free.empty() || Stopped(); });
      if (!Stopped()) {
        slot = stream->free.front();
        stream->free.pop_front();
      }
    }
    if (slot == nullptr) return count_unsent(t);
    if (!Issue(slot, t)) {
      {
        std::lock_guard<std::mutex> lock(stream->free_mu);
        stream->free.push_back(slot);
      }
      // The end came between the wait and the send: this call and those
      // after it are backlog. Past --requests they are not calls at all.
      const bool capped_out = stream->capped && options_.requests > 0 &&
                              requests_issued_.load() > options_.requests;
      if (!capped_out) count_unsent(t);
      return;
    }
  }
}

void Runner::RequestStop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_.store(true);
  }
  stop_cv_.notify_all();
  for (auto& stream : streams_) {
    std::lock_guard<std::mutex> lock(stream->free_mu);
    stream->free_cv.notify_all();
  }
}

bool Runner::WaitQuiet(int64_t until_ns) {
  std::unique_lock<std::mutex> lock(quiet_mu_);
  return quiet_cv_.wait_until(lock, AtNs(until_ns),
                              [&] { return in_flight_.load() == 0; });
}

void Runner::CancelAll() {
  for (auto& stream : streams_) {
    for (auto& slot : stream->slots) {
      std::lock_guard<std::mutex> lock(slot->mu);
      if (slot->context != nullptr) slot->context->TryCancel();
    }
  }
}

void Runner::Start() {
  start_ns_ = NowNs();
  warmup_end_ns_ = start_ns_ + ToNs(options_.warmup);
  end_ns_ = options_.duration == absl::InfiniteDuration()
                ? kNever
                : warmup_end_ns_ + ToNs(options_.duration);
  for (auto& stream : streams_) {
    if (stream->rate == 0) {
      for (auto& slot : stream->slots) {
        if (stream->scheduled && slot->index >= stream->active) {
          stream->parked.push_back(slot.get());
        } else {
          Issue(slot.get(), start_ns_);
        }
      }
    } else {
      for (auto& slot : stream->slots) stream->free.push_back(slot.get());
      stream->dispatcher =
          std::thread([this, s = stream.get()] { Dispatch(s); });
    }
  }
}

RunResult Runner::Collect() {
  RunResult result;
  result.options = options_;
  int64_t end = last_completion_ns_.load();
  if (end < warmup_end_ns_) end = std::max(warmup_end_ns_, NowNs());
  result.measured = absl::Nanoseconds(end - warmup_end_ns_);
  for (auto& stream : streams_) {
    StreamResult r;
    r.name = stream->name;
    r.sent = stream->sent.load();
    r.succeeded = stream->succeeded.load();
    r.failed = stream->failed.load();
    r.operations = stream->operations.load();
    r.unsent_backlog = stream->unsent.load();
    for (Stream::Shard& shard : stream->shards) {
      std::lock_guard<std::mutex> lock(shard.mu);
      r.latency.Merge(shard.latency);
      for (const auto& [code, count] : shard.errors) r.errors[code] += count;
    }
    result.streams.push_back(std::move(r));
  }
  if (!streams_.empty() && streams_.front()->per_connection) {
    for (int i = 0; i < options_.connections; ++i) {
      result.per_connection_succeeded.push_back(
          connections_.at(i)->succeeded.load());
    }
  }
  result.connections_opened = static_cast<int>(connections_.size());
  result.time_series = std::move(time_series_);
  result.cores_available = CoresAvailable();
  if (scenario_tally_ != nullptr) {
    result.scenario = scenario_tally_->Summary(options_.scenario_file);
  }
  return result;
}

absl::StatusOr<RunResult> Runner::Run(std::ostream* progress) {
  // The workload's connections, then the convoy's.
  const int total = options_.connections + (options_.convoy_batch > 0 ? 1 : 0);
  absl::StatusOr<int64_t> file_limit = RaiseFileLimit(total);
  if (!file_limit.ok()) return file_limit.status();
  if (absl::Status s = connections_.Open(options_, total); !s.ok()) return s;
  if (options_.convoy_batch > 0) convoy_connection_ = connections_.back();
  // The convoy's connection, after the workload's, always has a session.
  const size_t first_session =
      NeedsSession(options_.workload) ? 0 : options_.connections;
  if (absl::Status s = connections_.OpenSessions(first_session); !s.ok()) {
    return s;
  }
  BuildStreams();

  const int64_t hard_deadline_ns = NowNs() + ToNs(EffectiveDeadline(options_));
  std::optional<v1::StatsResponse> before;
  std::string stats_error;
  auto snapshot_before = [&] {
    cpu_at_warmup_end_s_ = ProcessCpuSeconds();
    absl::StatusOr<v1::StatsResponse> stats = connections_.ServerStats();
    if (stats.ok()) {
      before = *std::move(stats);
    } else {
      stats_error = std::string(stats.status().message());
    }
  };
  // What the server runs with, as it reports it (no interpreter lock).
  absl::StatusOr<v1::StatsResponse> config = connections_.Sample(
      {v1::ALLOCATOR, v1::OBJECTS, v1::COLLECTOR, v1::LOCK, v1::SERVER},
      absl::Seconds(10));
  // Every call of a run against a server that is not heapd would fail:
  // say so instead of reporting a run of errors.
  if (!config.ok() &&
      config.status().code() == absl::StatusCode::kUnimplemented) {
    return config.status();
  }
  if (options_.warmup <= absl::ZeroDuration()) snapshot_before();
  const int64_t started_unix_ns = absl::ToUnixNanos(absl::Now());
  Start();
  bool before_pending = options_.warmup > absl::ZeroDuration();
  sample_last_ns_ = start_ns_;
  sample_last_cpu_s_ = ProcessCpuSeconds();
  // The first sample's lock figures need a Stats response to start from.
  if (absl::StatusOr<v1::StatsResponse> stats =
          connections_.Sample({v1::LOCK}, absl::Milliseconds(500));
      stats.ok()) {
    sample_last_stats_ = *std::move(stats);
  }

  // The main thread keeps time: the samples and progress lines, the
  // schedule, the warm-up's end, the end.
  bool deadline_hit = false;
  int64_t next_progress = start_ns_ + 1'000'000'000;
  // A schedule's level is looked at ten times a second.
  constexpr int64_t kScheduleTick = 100'000'000;
  int64_t next_schedule =
      options_.schedule.active() ? start_ns_ + kScheduleTick : kNever;
  while (!Stopped()) {
    int64_t wake =
        std::min({next_progress, next_schedule, end_ns_, hard_deadline_ns});
    if (before_pending) wake = std::min(wake, warmup_end_ns_);
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      stop_cv_.wait_until(lock, AtNs(wake), [&] { return Stopped(); });
    }
    const int64_t now = NowNs();
    if (before_pending && now >= warmup_end_ns_) {
      before_pending = false;
      snapshot_before();
    }
    if (now >= end_ns_) RequestStop();
    if (now >= hard_deadline_ns) {
      deadline_hit = true;
      RequestStop();
    }
    if (now >= next_schedule && !Stopped()) {
      ApplySchedule(now);
      next_schedule += kScheduleTick;
    }
    // Advanced whatever the sample does: a deadline left in the past would
    // turn this wait into a busy loop.
    if (now >= next_progress) {
      if (!Stopped()) TakeSample(progress, now);
      next_progress += 1'000'000'000;
    }
  }
  for (auto& stream : streams_) {
    if (stream->dispatcher.joinable()) stream->dispatcher.join();
  }
  if (!WaitQuiet(hard_deadline_ns)) {
    deadline_hit = true;
    CancelAll();
    WaitQuiet(NowNs() + 5'000'000'000);
  }

  const double cpu_at_end_s = ProcessCpuSeconds();
  // The last part of a second, unless the run ended on the second.
  if (NowNs() - sample_last_ns_ >= 200'000'000) TakeSample(progress, NowNs());

  RunResult result = Collect();
  result.started_unix_ns = started_unix_ns;
  if (config.ok()) result.server_config = *std::move(config);
  result.client_cpu_s = cpu_at_end_s - cpu_at_warmup_end_s_;
  result.open_file_limit = *file_limit;
  result.deadline_hit = deadline_hit;
  result.stats_before = std::move(before);
  if (result.stats_before.has_value()) {
    absl::StatusOr<v1::StatsResponse> after = connections_.ServerStats();
    if (after.ok()) {
      result.stats_after = *std::move(after);
    } else {
      stats_error = std::string(after.status().message());
    }
  }
  result.stats_error = stats_error;
  connections_.CloseSessions(&result.sessions_opened, &result.sessions_closed);
  return result;
}

}  // namespace runner_internal

absl::StatusOr<RunResult> RunLoad(const Options& options,
                                  std::ostream* progress) {
  auto run = std::make_unique<runner_internal::Runner>(options);
  absl::StatusOr<RunResult> result = run->Run(progress);
  // Calls that even cancellation did not end still point into the run:
  // leave it to the process's exit rather than free it under them.
  if (!run->Quiet()) run.release();
  return result;
}

}  // namespace heapd::heapload
