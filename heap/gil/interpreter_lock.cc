#include "heap/gil/interpreter_lock.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace heapd::gil {

// A fifo waiter. Lives on the waiting thread's stack; the releaser that
// grants it notifies it while holding mu_, so it cannot go away first.
struct InterpreterLock::Waiter {
  std::condition_variable cv;
  Waiter* next = nullptr;
  bool granted = false;
  uint32_t kind = 0;
};

absl::StatusOr<LockPolicy> ParseLockPolicy(absl::string_view name) {
  if (name == "cpython") return LockPolicy::kCpython;
  if (name == "fifo") return LockPolicy::kFifo;
  if (name == "barging") return LockPolicy::kBarging;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown lock policy \"", name, "\" (want cpython, fifo or barging)"));
}

absl::string_view LockPolicyName(LockPolicy policy) {
  switch (policy) {
    case LockPolicy::kCpython:
      return "cpython";
    case LockPolicy::kFifo:
      return "fifo";
    case LockPolicy::kBarging:
      return "barging";
  }
  return "unknown";
}

namespace {

// Longer than any sensible interval, short enough that a deadline computed
// from it never overflows steady_clock.
constexpr absl::Duration kMaxSwitchInterval = absl::Hours(1);

absl::Status ValidateSwitchInterval(absl::Duration interval) {
  if (interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "switch interval must be strictly positive");
  }
  if (interval > kMaxSwitchInterval) {
    return absl::InvalidArgumentError("switch interval must be at most 1h");
  }
  return absl::OkStatus();
}

std::chrono::steady_clock::time_point DeadlineAfter(int64_t ns) {
  return std::chrono::steady_clock::now() + std::chrono::nanoseconds(ns);
}

uint64_t TicksSince(uint64_t start, uint64_t now) {
  // Cores' TSCs are synchronized, but guard against a tick of skew when a
  // thread migrates.
  return now > start ? now - start : 0;
}

}  // namespace

absl::Status InterpreterLock::ValidateOptions(
    const InterpreterLockOptions& options) {
  if (absl::Status s = ValidateSwitchInterval(options.switch_interval);
      !s.ok()) {
    return s;
  }
  if (!std::has_single_bit(options.hold_sample_period)) {
    return absl::InvalidArgumentError(
        "hold_sample_period must be a power of two");
  }
  return absl::OkStatus();
}

InterpreterLock::InterpreterLock(const InterpreterLockOptions& options)
    : policy_(options.policy),
      // Out-of-range options are clamped rather than trusted: CPython too
      // treats an interval below 1 us as 1 us.
      sample_mask_(
          std::bit_ceil(std::max<uint32_t>(options.hold_sample_period, 1)) - 1),
      interval_ns_(absl::ToInt64Nanoseconds(std::clamp(options.switch_interval,
                                                       absl::Microseconds(1),
                                                       kMaxSwitchInterval))) {
  // Calibrate now, so Stats() never waits for it.
  TickClock::Calibrate();
  AsymmetricFence::Init();
}

InterpreterLock::~InterpreterLock() {
  if (word_.load(std::memory_order_relaxed) != 0 ||
      slow_.load(std::memory_order_relaxed) != 0) {
    std::fprintf(stderr, "InterpreterLock destroyed while held or waited on\n");
    std::abort();
  }
}

RequestKind InterpreterLock::RegisterKind(absl::string_view name,
                                          RequestKindOptions options) {
  const int id = stats_.RegisterKind(name, options.time_every_hold);
  return id < 0 ? RequestKind() : RequestKind(static_cast<uint32_t>(id));
}

absl::Status InterpreterLock::SetSwitchInterval(absl::Duration interval) {
  if (absl::Status s = ValidateSwitchInterval(interval); !s.ok()) return s;
  interval_ns_.store(absl::ToInt64Nanoseconds(interval),
                     std::memory_order_relaxed);
  return absl::OkStatus();
}

void InterpreterLock::AssertHeld() const {
  if (word_.load(std::memory_order_relaxed) == 0 ||
      last_holder_.load(std::memory_order_relaxed) != ThreadToken()) {
    std::fprintf(stderr, "InterpreterLock not held by this thread\n");
    std::abort();
  }
}

// take_gil(), plus the fifo queue.
void InterpreterLock::AcquireSlow(uint32_t kind_id) {
  const uint64_t arrived = TickClock::Now();
  const uintptr_t me = ThreadToken();
  bool waited = false;
  std::unique_lock<std::mutex> guard(mu_);
  // CPython: "if (!locked) goto _ready". Free and nobody queued: take it
  // without ever engaging the slow path (the common case after a fast
  // acquire lost a race with a release).
  if (queue_head_ != nullptr || !TryTake()) {
    waited = true;
    const uint64_t grants_before = grants_;
    AddWaiter(kind_id);
    EngageSlowPath();
    if (policy_ == LockPolicy::kFifo) {
      Waiter self;
      self.kind = kind_id;
      WaitInQueue(guard, &self, kind_id);
      if (self.granted) {
        // The releaser kept the word held for us and counted us out of the
        // waiters when it did.
        handoff_pending_ = false;
      } else {
        RemoveWaiter(kind_id);
      }
    } else {
      WaitForRelease(guard, kind_id);
      RemoveWaiter(kind_id);
    }
    const uint64_t bypassed = grants_ - grants_before;
    if (bypassed > stats_.max_bypassed.load(std::memory_order_relaxed)) {
      stats_.max_bypassed.store(bypassed, std::memory_order_relaxed);
    }
  }
  ++grants_;
  UpdateSlowPath();

  // We hold the lock. A new holder bumps switch_number and wakes a releaser
  // waiting for exactly that (FORCE_SWITCHING).
  if (last_holder_.load(std::memory_order_relaxed) != me) {
    last_holder_.store(me, std::memory_order_relaxed);
    LockStats::Bump(switch_number_);
    LockStats::Bump(stats_.kind(kind_id).handoffs);
    if (switch_waiters_ > 0) switch_cond_.notify_all();
  }
  // A pending drop request was meant for the previous holder.
  if (drop_request_.load(std::memory_order_relaxed) != 0) {
    drop_request_.store(0, std::memory_order_relaxed);
  }
  guard.unlock();

  const uint64_t now = TickClock::Now();
  RequestKindCounters& k = stats_.kind(kind_id);
  LockStats::Bump(k.acquisitions);
  if (waited) LockStats::Bump(k.contended);
  k.wait.Record(TicksSince(arrived, now));
  holder_kind_ = kind_id;
  acquired_at_ = now;  // holds after a slow acquire are always timed
}

// take_gil's loop (cpython), or a plain condition wait (barging).
void InterpreterLock::WaitForRelease(std::unique_lock<std::mutex>& guard,
                                     uint32_t kind_id) {
  // The slow path is engaged: from here on every release signals cond_.
  // (A thread that read slow_ == 0 just before may still take the word with
  // its fast compare-and-swap once; it then releases through the slow path.)
  while (!TryTake()) {
    if (policy_ == LockPolicy::kBarging) {
      cond_.wait(guard);
      wake_pending_ = false;
      continue;
    }
    // Wait one interval. If it ran out while the same holder kept the lock
    // (no switch meanwhile), ask it to drop. As in CPython, any wake-up
    // (a release that someone else won) starts a full interval again.
    const uint64_t saved_switch_number =
        switch_number_.load(std::memory_order_relaxed);
    const bool timed_out =
        cond_.wait_until(
            guard,
            DeadlineAfter(interval_ns_.load(std::memory_order_relaxed))) ==
        std::cv_status::timeout;
    wake_pending_ = false;
    if (timed_out && word_.load(std::memory_order_relaxed) != 0 &&
        switch_number_.load(std::memory_order_relaxed) == saved_switch_number) {
      RequestDrop(kind_id);
    }
  }
}

// fifo: queue at the tail; a release hands the lock to the head.
void InterpreterLock::WaitInQueue(std::unique_lock<std::mutex>& guard,
                                  Waiter* self, uint32_t kind_id) {
  // Released while we engaged the slow path, with nobody ahead of us.
  if (queue_head_ == nullptr && TryTake()) return;
  if (queue_tail_ != nullptr) {
    queue_tail_->next = self;
  } else {
    queue_head_ = self;
  }
  queue_tail_ = self;
  while (!self->granted) {
    // Drop requests as under cpython, so that long holds still yield at
    // their safe points.
    const uint64_t saved_switch_number =
        switch_number_.load(std::memory_order_relaxed);
    const bool timed_out =
        self->cv.wait_until(
            guard,
            DeadlineAfter(interval_ns_.load(std::memory_order_relaxed))) ==
        std::cv_status::timeout;
    if (!self->granted && timed_out &&
        switch_number_.load(std::memory_order_relaxed) == saved_switch_number) {
      RequestDrop(kind_id);
    }
  }
}

void InterpreterLock::RequestDrop(uint32_t waiter_kind) {
  if (handoff_pending_ || drop_request_.load(std::memory_order_relaxed) != 0) {
    return;
  }
  drop_request_.store(1, std::memory_order_relaxed);
  drop_requested_at_ = TickClock::Now();
  LockStats::Bump(stats_.drop_requests);
  LockStats::Bump(stats_.kind(waiter_kind).drop_requests);
}

void InterpreterLock::GrantHead(bool answering_drop) {
  // The word stays held, so nobody can come between; the releaser, should it
  // want the lock again, queues behind everyone already waiting.
  Waiter* next = queue_head_;
  queue_head_ = next->next;
  if (queue_head_ == nullptr) queue_tail_ = nullptr;
  next->granted = true;
  handoff_pending_ = true;
  RemoveWaiter(next->kind);  // it holds the lock now, even before it wakes
  if (answering_drop) {
    LockStats::Bump(stats_.forced_switches);
    LockStats::Bump(stats_.kind(holder_kind_).forced_switches);
  }
  // Under mu_: the waiter cannot return (and free its node) before we unlock.
  next->cv.notify_one();
}

// drop_gil(), plus the fifo hand-off.
void InterpreterLock::ReleaseSlow() {
  const uintptr_t me = ThreadToken();
  std::unique_lock<std::mutex> guard(mu_);
  const bool answering_drop =
      drop_request_.load(std::memory_order_relaxed) != 0;
  if (answering_drop) {
    stats_.drop_response.Record(
        TicksSince(drop_requested_at_, TickClock::Now()));
  }
  if (queue_head_ != nullptr) {
    GrantHead(answering_drop);
    return;
  }

  word_.store(0, std::memory_order_release);
  WakeOneWaiter();

  // FORCE_SWITCHING: a release that answers a drop request does not return
  // until another thread has taken the lock, or on a multi-core machine the
  // releasing thread would usually take it straight back before the woken
  // waiter runs.
  if (policy_ == LockPolicy::kCpython && answering_drop && waiters_ > 0 &&
      last_holder_.load(std::memory_order_relaxed) == me) {
    drop_request_.store(0, std::memory_order_relaxed);
    LockStats::Bump(stats_.forced_switches);
    LockStats::Bump(stats_.kind(holder_kind_).forced_switches);
    ++switch_waiters_;
    // CPython waits once; a loop also survives spurious wake-ups. Waiters
    // never give up, and the one just signalled will take the lock.
    while (last_holder_.load(std::memory_order_relaxed) == me) {
      switch_cond_.wait(guard);
    }
    --switch_waiters_;
  }
  UpdateSlowPath();
}

void InterpreterLock::WakeAfterFastRelease() {
  std::lock_guard<std::mutex> guard(mu_);
  if (queue_head_ != nullptr) {
    // fifo: take the lock on the first waiter's behalf and hand it over. If
    // someone took it first (a fast acquire in flight), its release goes
    // through the slow path and hands it on.
    if (TryTake()) GrantHead(/*answering_drop=*/false);
  } else {
    WakeOneWaiter();
  }
}

void InterpreterLock::WakeOneWaiter() {
  // drop_gil's COND_SIGNAL, except when a waiter signalled earlier has not
  // run yet: it will find the lock free (or lose it to a barger, whose
  // release signals again). CPython signals on every release; with many
  // waiters that wakes them all in turn, each restarting its interval, so
  // nobody ever asks for a drop and the OS scheduler alone decides who runs.
  if (waiters_ > 0 && !wake_pending_) {
    wake_pending_ = true;
    cond_.notify_one();
  }
}

void InterpreterLock::YieldToWaiter() {
  const RequestKind kind(holder_kind_);
  Release();
  Acquire(kind);
}

void InterpreterLock::EngageSlowPath() {
  if (slow_.load(std::memory_order_relaxed) != 0) return;
  slow_.store(1, std::memory_order_relaxed);
  // Dekker with Release(): after this, either the holder's release sees
  // slow_ set, or we see its store of the word (we check the word next).
  AsymmetricFence::Heavy();
}

void InterpreterLock::UpdateSlowPath() {
  if (waiters_ == 0 && switch_waiters_ == 0 && !handoff_pending_ &&
      slow_.load(std::memory_order_relaxed) != 0) {
    slow_.store(0, std::memory_order_relaxed);
  }
}

void InterpreterLock::AddWaiter(uint32_t kind_id) {
  ++waiters_;
  const uint64_t n = static_cast<uint64_t>(waiters_);
  stats_.waiters_current.store(n, std::memory_order_relaxed);
  if (n > stats_.waiters_peak.load(std::memory_order_relaxed)) {
    stats_.waiters_peak.store(n, std::memory_order_relaxed);
  }
  RequestKindCounters& k = stats_.kind(kind_id);
  const uint64_t of_kind =
      k.waiters_current.load(std::memory_order_relaxed) + 1;
  k.waiters_current.store(of_kind, std::memory_order_relaxed);
  if (of_kind > k.waiters_peak.load(std::memory_order_relaxed)) {
    k.waiters_peak.store(of_kind, std::memory_order_relaxed);
  }
}

void InterpreterLock::RemoveWaiter(uint32_t kind_id) {
  --waiters_;
  stats_.waiters_current.store(static_cast<uint64_t>(waiters_),
                               std::memory_order_relaxed);
  RequestKindCounters& k = stats_.kind(kind_id);
  k.waiters_current.store(k.waiters_current.load(std::memory_order_relaxed) - 1,
                          std::memory_order_relaxed);
}

LockStatsSnapshot InterpreterLock::Stats() const {
  LockStatsSnapshot s;
  stats_.Snapshot(TickClock::NsPerTick(), &s);
  s.policy = std::string(LockPolicyName(policy_));
  s.switch_interval = switch_interval();
  s.hold_sample_period = sample_mask_ + 1;
  s.handoffs = switch_number_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace heapd::gil
