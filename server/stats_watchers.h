// StatsWatchers: the WatchStats streams, fed by one thread without the
// interpreter lock.
//
// Each stream gets a StatsResponse at once, then one every interval, and,
// between those, one within kEventLatency of any collection, carrying the
// collections since its previous message in `events`. Messages are built
// from what Stats serves (the published snapshot and live counters, through
// the `fill` function the service passes), so a thousand watchers add no
// wait to the lock.
//
// Back-pressure: a stream has at most one message in flight. A client that
// reads slower than its interval gets fewer, fresher messages rather than a
// queue; collections in between still arrive in the next message's events
// (the last kEventCapacity of them; the rest are counted in events_missed).
//
//   gRPC thread                         watcher thread
//   WatchStats -> Start(request) ---->  streams_ += stream; wake
//                                       loop: for each due stream with no
//                                             write in flight: fill, write
//   OnWriteDone(ok) ----------------->  wake (the next may go)
//   OnCancel / !ok: Finish              ...
//   OnDone: mark done, wake ---------->  deletes the stream
//
// Only the watcher thread deletes streams, under mu_; callbacks never take
// mu_, so no gRPC call made under it can deadlock against them.
//
// Threads: Start, Notify, FinishAll and open() from any thread.
//
// Example (in the service):
//   StatsWatchers watchers(fill, [this] { return publisher_.Latest(); },
//                          [this](int code) { count(code); });
//   return watchers.Start(*request);   // from the WatchStats handler
//   ...
//   watchers.FinishAll(grpc::Status(grpc::StatusCode::UNAVAILABLE, "bye"));
#ifndef HEAPD_SERVER_STATS_WATCHERS_H_
#define HEAPD_SERVER_STATS_WATCHERS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "proto/heap.pb.h"
#include "server/mutex.h"
#include "server/stats_publisher.h"

namespace heapd::server {

class StatsWatchers {
 public:
  // Fills every section `sections` asks for (empty: all), without the lock.
  using Fill =
      std::function<void(const google::protobuf::RepeatedField<int>& sections,
                         v1::StatsResponse* out)>;
  using Latest = std::function<std::shared_ptr<const StatsSnapshot>()>;
  // Told each stream's final status code, once.
  using OnFinish = std::function<void(grpc::StatusCode code)>;

  // How soon after a collection watchers hear of it, at the latest (plus the
  // time the snapshot takes to be published).
  static constexpr std::chrono::milliseconds kEventLatency{50};
  // The collections one message can carry.
  static constexpr size_t kEventCapacity = 64;
  // The shortest interval a client may ask for, the default, and the
  // longest (a day): the interval is added to the steady clock in
  // nanoseconds, which a longer one could overflow.
  static constexpr int64_t kMinIntervalMs = 50;
  static constexpr int64_t kDefaultIntervalMs = 1000;
  static constexpr int64_t kMaxIntervalMs = 86400000;

  // Starts the watcher thread.
  StatsWatchers(Fill fill, Latest latest, OnFinish on_finish);
  // Stops the thread and deletes the streams. REQUIRES: every stream is
  // done (the gRPC server has shut down), or none was started.
  ~StatsWatchers();
  StatsWatchers(const StatsWatchers&) = delete;
  StatsWatchers& operator=(const StatsWatchers&) = delete;

  // INVALID_ARGUMENT for an interval under kMinIntervalMs (0 means
  // kDefaultIntervalMs) or over kMaxIntervalMs; OK otherwise.
  static grpc::Status Validate(const v1::WatchStatsRequest& request);

  // A stream that finishes at once with `status` (a refused request); it
  // deletes itself when gRPC is done with it.
  static grpc::ServerWriteReactor<v1::StatsResponse>* Refuse(
      const grpc::Status& status);

  // A new stream for a validated request; the handler returns it.
  // `scope`, if set, edits each message after it is filled (what the
  // stream's caller may see of other identities).
  grpc::ServerWriteReactor<v1::StatsResponse>* Start(
      const v1::WatchStatsRequest& request,
      std::function<void(v1::StatsResponse*)> scope = nullptr)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Something changed (a collection was published): streams with new
  // events may get a message before their interval is up.
  void Notify() ABSL_LOCKS_EXCLUDED(wake_mu_);

  // Finishes every open stream with `status` (at shutdown, so that they do
  // not hold the server's drain until its deadline). Later Starts finish
  // at once with the same status.
  void FinishAll(const grpc::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  // Streams not yet done.
  int64_t open() const { return open_.load(std::memory_order_relaxed); }

 private:
  class Stream;

  void Run();
  // Waits until Notify, the destructor, or `next`; returns false once the
  // thread is to stop.
  bool AwaitWork(std::chrono::steady_clock::time_point next)
      ABSL_LOCKS_EXCLUDED(wake_mu_);
  // Sends what is due; returns when to look again.
  std::chrono::steady_clock::time_point Pump(
      std::chrono::steady_clock::time_point now) ABSL_LOCKS_EXCLUDED(mu_);

  const Fill fill_;
  const Latest latest_;
  const OnFinish on_finish_;

  // Never taken by gRPC callbacks.
  Mutex mu_;
  std::vector<Stream*> streams_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_ ABSL_GUARDED_BY(mu_);

  // Wakes the thread; separate from mu_ so that callbacks may Notify.
  Mutex wake_mu_;
  CondVar wake_cv_;
  bool wake_ ABSL_GUARDED_BY(wake_mu_) = false;
  bool stop_ ABSL_GUARDED_BY(wake_mu_) = false;

  std::atomic<int64_t> open_{0};
  std::thread thread_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_STATS_WATCHERS_H_
