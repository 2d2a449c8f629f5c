// The inside of LoadRunner (runner.h), shared by runner.cc (the streams of
// calls and the run's course) and runner_sampling.cc (the per-second
// samples and the schedule). Nothing outside the runner includes it.
#ifndef HEAPD_CLIENT_HEAPLOAD_RUNNER_INTERNAL_H_
#define HEAPD_CLIENT_HEAPLOAD_RUNNER_INTERNAL_H_

#include <grpcpp/grpcpp.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/heapload/connections.h"
#include "client/heapload/options.h"
#include "client/heapload/response_time_histogram.h"
#include "client/heapload/runner.h"
#include "client/heapload/time_series.h"
#include "client/heapload/workloads.h"
#include "proto/heap.pb.h"

namespace heapd::heapload::runner_internal {

using Clock = std::chrono::steady_clock;

inline int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

inline Clock::time_point AtNs(int64_t ns) {
  return Clock::time_point(std::chrono::nanoseconds(ns));
}

constexpr int64_t kNever = INT64_MAX;

inline int64_t ToNs(absl::Duration d) {
  return d == absl::InfiniteDuration() ? kNever : absl::ToInt64Nanoseconds(d);
}

struct Stream;

// One call in flight, always on the same connection.
struct Slot {
  Stream* stream = nullptr;
  Connection* connection = nullptr;
  int index = 0;
  std::unique_ptr<CallProgram> program;
  // Guards the contexts against the canceller at the hard deadline.
  std::mutex mu;
  std::unique_ptr<grpc::ClientContext> context;
  // The finished call's context, kept one call longer: the next call is
  // started from inside the finished call's callback, which must not
  // destroy its own context.
  std::unique_ptr<grpc::ClientContext> previous;
};

constexpr int kShards = 16;

struct Stream {
  std::string name;
  double rate = 0;  // 0: closed loop
  // --requests caps this stream; the workload stream (or the pollers when
  // they are the workload).
  bool capped = false;
  // Counts successes per connection (the workload stream).
  bool per_connection = false;
  std::vector<std::unique_ptr<Slot>> slots;

  // Open loop: slots waiting for their next intended send time.
  std::mutex free_mu;
  std::condition_variable free_cv;
  // First in, first out, so the calls rotate over the connections.
  std::deque<Slot*> free;
  std::thread dispatcher;

  // Measured results, sharded by slot so completions rarely meet.
  struct Shard {
    std::mutex mu;
    ResponseTimeHistogram latency;
    std::map<std::string, int64_t> errors;
    // Every completion since the last time-series sample, warm-up
    // included.
    ResponseTimeHistogram window;
  };
  std::array<Shard, kShards> shards;
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> succeeded{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> operations{0};
  std::atomic<int64_t> unsent{0};
  // Every completion and failure, warm-up included (for progress lines).
  std::atomic<int64_t> completed_all{0};
  std::atomic<int64_t> failed_all{0};
  // --schedule (the workload, closed loop): slots from `active` on wait in
  // `parked` for the schedule to let them in.
  bool scheduled = false;
  // --rate_schedule sets this stream's rate (the workload, open loop).
  bool rate_scheduled = false;
  std::mutex parked_mu;
  int active = 0;
  std::vector<Slot*> parked;
};

class Runner {
 public:
  explicit Runner(const Options& options) : options_(options) {}

  absl::StatusOr<RunResult> Run(std::ostream* progress);

  // True when every call has finished, so the run's state may be freed.
  bool Quiet() const { return in_flight_.load() == 0; }

 private:
  void BuildStreams();
  void Start();
  void Dispatch(Stream* stream);
  bool Issue(Slot* slot, int64_t intended_ns);
  void OnDone(Slot* slot, int64_t intended_ns, bool measured,
              const grpc::Status& status, int64_t operations);
  void RequestStop();
  bool Stopped() const { return stop_.load(); }
  // Waits until every call finished or `until`; true if they all did.
  bool WaitQuiet(int64_t until_ns);
  void CancelAll();
  // The schedule's level now (--schedule: slots allowed to have a call in
  // flight); lets parked slots in when it rose.
  void ApplySchedule(int64_t now_ns);
  // Intended send time of the call after one intended at `t` (open loop).
  int64_t NextIntended(const Stream* stream, int64_t t) const;
  void TakeSample(std::ostream* progress, int64_t now_ns);
  RunResult Collect();

  const Options options_;
  Connections connections_;
  // The convoy's own connection, after the workload's.
  Connection* convoy_connection_ = nullptr;
  std::vector<std::unique_ptr<Stream>> streams_;
  // --scenario: what the slots' scenarios did.
  std::shared_ptr<ScenarioTally> scenario_tally_;

  int64_t start_ns_ = 0;
  int64_t warmup_end_ns_ = 0;
  int64_t end_ns_ = kNever;

  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;

  std::atomic<int64_t> in_flight_{0};
  std::mutex quiet_mu_;
  std::condition_variable quiet_cv_;

  std::atomic<int64_t> requests_issued_{0};
  std::atomic<int64_t> last_completion_ns_{0};

  // The time series: the previous sample's figures.
  int64_t sample_last_ns_ = 0;
  int64_t sample_last_completed_ = 0;
  int64_t sample_last_failed_ = 0;
  double sample_last_cpu_s_ = 0;
  std::optional<v1::StatsResponse> sample_last_stats_;
  std::vector<TimeSample> time_series_;
  // heapload's CPU time at the end of the warm-up.
  double cpu_at_warmup_end_s_ = 0;
};

}  // namespace heapd::heapload::runner_internal

#endif  // HEAPD_CLIENT_HEAPLOAD_RUNNER_INTERNAL_H_
