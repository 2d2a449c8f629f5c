#include "server/stats_watchers.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/stats_translation.h"

namespace heapd::server {
namespace {

using Clock = std::chrono::steady_clock;

int64_t CollectionsTotal(const StatsSnapshot& snapshot) {
  int64_t total = 0;
  for (const objects::GenerationStats& generation : snapshot.heap.generations) {
    total += generation.collections;
  }
  return total;
}

uint64_t LastCollectionSequence(const StatsSnapshot& snapshot) {
  return snapshot.recent_collections.empty()
             ? 0
             : snapshot.recent_collections.back().sequence;
}

// A stream refused before it began.
class RefusedStream final : public grpc::ServerWriteReactor<v1::StatsResponse> {
 public:
  explicit RefusedStream(const grpc::Status& status) {
    // The callback API allows finishing from the constructor; the status
    // goes out once the handler has returned the reactor.
    Finish(status);
  }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::StatsResponse>* StatsWatchers::Refuse(
    const grpc::Status& status) {
  return new RefusedStream(status);
}

// One WatchStats call. The watcher thread owns the fields marked so; the
// rest is shared with gRPC's callbacks under mu_.
class StatsWatchers::Stream final
    : public grpc::ServerWriteReactor<v1::StatsResponse> {
 public:
  Stream(StatsWatchers* owner, const v1::WatchStatsRequest& request,
         const StatsSnapshot* snapshot,
         std::function<void(v1::StatsResponse*)> scope)
      : sections_(request.sections()),
        scope_(std::move(scope)),
        interval_(request.interval_ms() == 0 ? kDefaultIntervalMs
                                             : request.interval_ms()),
        owner_(owner) {
    if (snapshot != nullptr) {
      last_event_sequence_ = LastCollectionSequence(*snapshot);
      collections_seen_ = CollectionsTotal(*snapshot);
    }
  }

  // Starts writing `message` unless a write is in flight or the stream is
  // finishing; returns whether it did. Watcher thread only.
  bool TrySend(v1::StatsResponse message) {
    {
      MutexLock lock(&mu_);
      if (finished_ || pending_finish_.has_value() || writing_) return false;
      writing_ = true;
      message_ = std::move(message);
    }
    // Outside mu_: from here on OnWriteDone may run on another thread at
    // any time, and writing_ keeps everyone else off message_ until it does.
    StartWrite(&message_);
    return true;
  }

  // Finishes with `status` once (later calls do nothing); after the write
  // in flight, if there is one.
  void FinishWith(const grpc::Status& status) {
    {
      MutexLock lock(&mu_);
      if (finished_ || pending_finish_.has_value()) return;
      if (writing_) {
        pending_finish_ = status;
        return;
      }
      finished_ = true;
    }
    owner_->on_finish_(status.error_code());
    Finish(status);
  }

  void OnWriteDone(bool ok) override {
    std::optional<grpc::Status> finish;
    {
      MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !pending_finish_.has_value() && !finished_) {
        pending_finish_ = grpc::Status(grpc::StatusCode::CANCELLED,
                                       "the WatchStats client went away");
      }
      if (pending_finish_.has_value() && !finished_) {
        finished_ = true;
        finish = std::move(pending_finish_);
      }
    }
    if (finish.has_value()) {
      owner_->on_finish_(finish->error_code());
      Finish(*finish);
      return;
    }
    owner_->Notify();  // the next message may go
  }

  void OnCancel() override {
    FinishWith(grpc::Status(grpc::StatusCode::CANCELLED,
                            "WatchStats cancelled by the client"));
  }

  // gRPC is done with the stream; the watcher thread deletes it.
  void OnDone() override {
    // Taking mu_ orders this after the watcher's and the handler's use of
    // the stream in a way ThreadSanitizer can see (gRPC's own ordering
    // happens in code it does not instrument).
    { MutexLock lock(&mu_); }
    done_.store(true, std::memory_order_release);
    owner_->Notify();
  }

  bool done() const { return done_.load(std::memory_order_acquire); }

  // Watcher thread only.
  const google::protobuf::RepeatedField<int> sections_;
  const std::function<void(v1::StatsResponse*)> scope_;
  const std::chrono::milliseconds interval_;
  Clock::time_point next_due_ = Clock::time_point::min();
  Clock::time_point last_sent_ = Clock::time_point::min();
  uint64_t last_event_sequence_ = 0;
  int64_t collections_seen_ = 0;

 private:
  StatsWatchers* const owner_;
  Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> pending_finish_ ABSL_GUARDED_BY(mu_);
  // Written under mu_ before a write starts, then read by gRPC until
  // OnWriteDone: writing_ keeps everyone else off it meanwhile.
  v1::StatsResponse message_;
  std::atomic<bool> done_{false};
};

StatsWatchers::StatsWatchers(Fill fill, Latest latest, OnFinish on_finish)
    : fill_(std::move(fill)),
      latest_(std::move(latest)),
      on_finish_(std::move(on_finish)),
      thread_([this] { Run(); }) {}

StatsWatchers::~StatsWatchers() {
  {
    MutexLock lock(&wake_mu_);
    stop_ = true;
  }
  wake_cv_.Signal();
  thread_.join();
  for (Stream* stream : streams_) delete stream;
}

grpc::Status StatsWatchers::Validate(const v1::WatchStatsRequest& request) {
  if (request.interval_ms() != 0 && request.interval_ms() < kMinIntervalMs) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("WatchStats interval_ms is ", request.interval_ms(),
                     "; it must be at least ", kMinIntervalMs,
                     " (or 0 for the default of ", kDefaultIntervalMs, ")"));
  }
  if (request.interval_ms() > kMaxIntervalMs) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("WatchStats interval_ms is ", request.interval_ms(),
                     "; it must be at most ", kMaxIntervalMs, " (a day)"));
  }
  return grpc::Status::OK;
}

grpc::ServerWriteReactor<v1::StatsResponse>* StatsWatchers::Start(
    const v1::WatchStatsRequest& request,
    std::function<void(v1::StatsResponse*)> scope) {
  const std::shared_ptr<const StatsSnapshot> snapshot = latest_();
  auto* stream = new Stream(this, request, snapshot.get(), std::move(scope));
  open_.fetch_add(1, std::memory_order_relaxed);
  bool finishing;
  grpc::Status status;
  {
    MutexLock lock(&mu_);
    streams_.push_back(stream);
    finishing = finishing_;
    status = finish_status_;
  }
  if (finishing) stream->FinishWith(status);
  Notify();
  return stream;
}

void StatsWatchers::Notify() {
  {
    MutexLock lock(&wake_mu_);
    wake_ = true;
  }
  wake_cv_.Signal();
}

void StatsWatchers::FinishAll(const grpc::Status& status) {
  MutexLock lock(&mu_);
  finishing_ = true;
  finish_status_ = status;
  // Streams are deleted only under mu_, so each stays valid here; Finish
  // never waits for a callback that would need mu_.
  for (Stream* stream : streams_) {
    if (!stream->done()) stream->FinishWith(status);
  }
}

void StatsWatchers::Run() {
  Clock::time_point next = Clock::time_point::max();
  while (AwaitWork(next)) next = Pump(Clock::now());
}

bool StatsWatchers::AwaitWork(Clock::time_point next) {
  MutexLock lock(&wake_mu_);
  bool timed_out = false;
  while (!wake_ && !stop_ && !timed_out) {
    timed_out = wake_cv_.WaitUntil(&wake_mu_, next);
  }
  wake_ = false;
  return !stop_;
}

Clock::time_point StatsWatchers::Pump(Clock::time_point now) {
  MutexLock lock(&mu_);
  const std::shared_ptr<const StatsSnapshot> snapshot = latest_();
  const uint64_t newest_event =
      snapshot == nullptr ? 0 : LastCollectionSequence(*snapshot);
  Clock::time_point next = Clock::time_point::max();
  std::vector<Stream*> live;
  live.reserve(streams_.size());
  for (Stream* stream : streams_) {
    if (stream->done()) {
      delete stream;
      open_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    live.push_back(stream);
    const bool has_events = newest_event > stream->last_event_sequence_;
    const Clock::time_point event_due = stream->last_sent_ + kEventLatency;
    const bool due =
        now >= stream->next_due_ || (has_events && now >= event_due);
    if (due && !finishing_) {
      v1::StatsResponse message;
      fill_(stream->sections_, &message);
      if (stream->scope_) stream->scope_(&message);
      int64_t collections = stream->collections_seen_;
      if (snapshot != nullptr) {
        int64_t carried = 0;
        for (const objects::HeapEvent& event : snapshot->recent_collections) {
          if (event.sequence <= stream->last_event_sequence_) continue;
          if (message.events_size() == static_cast<int>(kEventCapacity)) {
            message.mutable_events()->DeleteSubrange(0, 1);
            --carried;
          }
          ToProto(event, message.add_events());
          ++carried;
        }
        collections = CollectionsTotal(*snapshot);
        message.set_events_missed(std::max<int64_t>(
            0, collections - stream->collections_seen_ - carried));
      }
      if (stream->TrySend(std::move(message))) {
        stream->last_sent_ = now;
        stream->next_due_ = now + stream->interval_;
        stream->last_event_sequence_ = newest_event;
        stream->collections_seen_ = collections;
        next = std::min(next, stream->next_due_);
        continue;
      }
      // A write is in flight: its OnWriteDone wakes us.
      continue;
    }
    next = std::min(next, stream->next_due_);
    if (has_events) next = std::min(next, event_due);
  }
  streams_.swap(live);
  return next;
}

}  // namespace heapd::server
