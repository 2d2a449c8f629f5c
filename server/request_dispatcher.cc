#include "server/request_dispatcher.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace heapd::server {
namespace {

int64_t Nanoseconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

}  // namespace

RequestDispatcher::RequestDispatcher(const Parts& parts, const Options& options)
    : interp_(*parts.interpreter),
      kinds_(*parts.kinds),
      publisher_(*parts.publisher),
      slowlog_(*parts.slowlog),
      rpc_counters_(*parts.rpc_counters),
      watchers_(*parts.watchers),
      max_lock_waiters_(options.max_lock_waiters),
      threads_(options.interpreter_threads) {}

void RequestDispatcher::Finish(grpc::ServerUnaryReactor* reactor, Method method,
                               const grpc::Status& status) {
  rpc_counters_.Count(static_cast<int>(method),
                      static_cast<int>(status.error_code()));
  reactor->Finish(status);
}

grpc::ServerUnaryReactor* RequestDispatcher::Finish(
    grpc::CallbackServerContext* context, Method method,
    const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Finish(reactor, method, status);
  return reactor;
}

bool RequestDispatcher::AdmitWaiter(grpc::ServerUnaryReactor* reactor,
                                    Method method) {
  // Refused before it queues (and before it costs the lock anything).
  if (max_lock_waiters_ == 0 ||
      lock_waiting_.fetch_add(1, std::memory_order_relaxed) <
          max_lock_waiters_) {
    return true;
  }
  lock_waiting_.fetch_sub(1, std::memory_order_relaxed);
  lock_waiters_rejected_.fetch_add(1, std::memory_order_relaxed);
  Finish(reactor, method,
         grpc::Status(
             grpc::StatusCode::RESOURCE_EXHAUSTED,
             absl::StrCat(MethodName(method), " refused: ", max_lock_waiters_,
                          " requests already wait for the "
                          "interpreter lock (--max_lock_waiters); "
                          "retry with backoff")));
  return false;
}

void RequestDispatcher::StopWaiting() {
  if (max_lock_waiters_ > 0) {
    lock_waiting_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void RequestDispatcher::EndHold(const LockedCall& call, uint64_t events_before,
                                Hold* hold) {
  if (call.end_with_safe_point) {
    interp_.SafePoint(Interpreter::SafePointAt::kBeforeRelease);
  }
  const objects::ObjectHeap& heap = interp_.heap();
  // A collection (at the safe point, or inside a Batch) or another heap
  // event is published at once, for Stats and WatchStats' events.
  hold->events = heap.last_event_sequence() != events_before;
  // Still under the lock, which is what makes the heap readable; cheap
  // unless the interval has passed or an event just changed the collector's
  // figures.
  const bool published = publisher_.Update(heap, hold->events);
  unpublished_.store(!published, std::memory_order_relaxed);
  hold->releasing = Clock::now();
}

void RequestDispatcher::AfterRelease(const LockedCall& call, const Hold& hold,
                                     Clock::time_point arrived) {
  // The watchers and the slow log have their own mutexes; nobody waits for
  // the interpreter lock while they are taken.
  if (hold.events) watchers_.Notify();
  SlowLogRecord record;
  record.operations = call.operations;
  record.wait_ns = Nanoseconds(hold.acquired - arrived);
  record.hold_ns = Nanoseconds(hold.releasing - hold.acquired);
  if (record.wait_ns > slowlog_.threshold_ns() ||
      record.hold_ns > slowlog_.threshold_ns()) {
    record.timestamp_unix_ns = absl::ToUnixNanos(absl::Now());
    record.method = std::string(MethodName(call.method));
    record.session_id = call.session_id;
    record.tenant = call.tenant;
    slowlog_.MaybeRecord(std::move(record));
  }
}

}  // namespace heapd::server
