// The interpreter lock against std::mutex and absl::Mutex.
//
//   BM_Uncontended<Lock>: one acquire+release pair, one thread. The
//     interpreter lock keeps its statistics on; "every_hold_timed" times
//     every hold (hold_sample_period = 1) instead of one in 16.
//     These run first, while the process has a single thread: glibc then
//     skips the atomic instructions in std::mutex (a shortcut it drops for
//     good once a second thread starts). The "/mt_process" variants run
//     after a thread has been started, as in any server.
//   BM_SafePoint: one safe point with no drop request pending.
//   BM_Contended<Lock>/threads: `threads` threads acquire in a loop, doing
//     ~200 ns of work on shared state under the lock, measured over a window
//     of --trial_seconds after a 250 ms warm-up. Reports throughput,
//     fairness (Jain's index over the threads' acquisition counts in the
//     window: 1 = equal shares, 1/n = one thread got everything; min_share
//     and max_share: the least and most favoured thread against an equal
//     share) and, for the interpreter lock, its own statistics.
//
//   bazel run --config=opt //bench:lock_bench
//   bazel run --config=opt //bench:lock_bench -- --trial_seconds=1
#include <time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <latch>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "benchmark/benchmark.h"
#include "heap/gil/interpreter_lock.h"

namespace heapd {
namespace {

double trial_seconds = 2.0;  // --trial_seconds

// ---------------------------------------------------------------------------
// The locks, behind one interface. Each wrapper is a capability of its own
// for clang's thread safety analysis (--config=thread_safety), which cannot
// see through a wrapper to the lock inside.

class ABSL_LOCKABLE StdMutexLock {
 public:
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.lock();
  }
  void Release() ABSL_UNLOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.unlock();
  }

 private:
  std::mutex mu_;
};

class ABSL_LOCKABLE AbslMutexLock {
 public:
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.Lock();
  }
  void Release() ABSL_UNLOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    mu_.Unlock();
  }

 private:
  absl::Mutex mu_;
};

template <gil::LockPolicy kPolicy, uint32_t kSamplePeriod = 16>
class ABSL_LOCKABLE HeapdLock {
 public:
  HeapdLock()
      : lock_({.policy = kPolicy, .hold_sample_period = kSamplePeriod}),
        kind_(lock_.RegisterKind("bench")) {}
  void Acquire() ABSL_EXCLUSIVE_LOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    lock_.Acquire(kind_);
  }
  void Release() ABSL_UNLOCK_FUNCTION() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    lock_.Release();
  }
  const gil::InterpreterLock& lock() const { return lock_; }

 private:
  gil::InterpreterLock lock_;
  const gil::RequestKind kind_;
};

using Cpython = HeapdLock<gil::LockPolicy::kCpython>;
using Fifo = HeapdLock<gil::LockPolicy::kFifo>;
using Barging = HeapdLock<gil::LockPolicy::kBarging>;
using CpythonEveryHold = HeapdLock<gil::LockPolicy::kCpython, 1>;
using FifoEveryHold = HeapdLock<gil::LockPolicy::kFifo, 1>;
using BargingEveryHold = HeapdLock<gil::LockPolicy::kBarging, 1>;

// ---------------------------------------------------------------------------
// Uncontended.

template <typename Lock>
void BM_Uncontended(benchmark::State& state) {
  auto lock = std::make_unique<Lock>();
  for (auto _ : state) {
    lock->Acquire();
    lock->Release();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK_TEMPLATE(BM_Uncontended, StdMutexLock);
BENCHMARK_TEMPLATE(BM_Uncontended, AbslMutexLock);
BENCHMARK_TEMPLATE(BM_Uncontended, Cpython);
BENCHMARK_TEMPLATE(BM_Uncontended, Fifo);
BENCHMARK_TEMPLATE(BM_Uncontended, Barging);
BENCHMARK_TEMPLATE(BM_Uncontended, CpythonEveryHold)
    ->Name("BM_Uncontended<Cpython>/every_hold_timed");
BENCHMARK_TEMPLATE(BM_Uncontended, FifoEveryHold)
    ->Name("BM_Uncontended<Fifo>/every_hold_timed");
BENCHMARK_TEMPLATE(BM_Uncontended, BargingEveryHold)
    ->Name("BM_Uncontended<Barging>/every_hold_timed");

// A safe point with no drop request pending: what a long batch pays per
// operation for being interruptible.
void BM_SafePoint(benchmark::State& state) {
  gil::InterpreterLock lock;
  lock.Acquire();
  for (auto _ : state) {
    benchmark::DoNotOptimize(lock.SafePoint());
  }
  lock.Release();
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SafePoint);

// The same, once the process has had a second thread.
template <typename Lock>
void BM_UncontendedMtProcess(benchmark::State& state) {
  std::thread([] {}).join();  // from here on glibc uses atomics everywhere
  BM_Uncontended<Lock>(state);
}

BENCHMARK_TEMPLATE(BM_UncontendedMtProcess, StdMutexLock)
    ->Name("BM_Uncontended<StdMutexLock>/mt_process");
BENCHMARK_TEMPLATE(BM_UncontendedMtProcess, AbslMutexLock)
    ->Name("BM_Uncontended<AbslMutexLock>/mt_process");
BENCHMARK_TEMPLATE(BM_UncontendedMtProcess, Cpython)
    ->Name("BM_Uncontended<Cpython>/mt_process");

// ---------------------------------------------------------------------------
// Contended.

// ~200 ns of work on state shared by every thread (it moves between cores
// with the lock, as heap data does): `steps` rounds of a 64-bit LCG over a
// few cache lines. Calibrated once, against this thread's CPU time, so that
// other processes on the machine do not shrink it.
struct SharedState {
  alignas(64) uint64_t words[32] = {};
};

inline void Work(SharedState& s, int steps) {
  uint64_t x = s.words[0];
  for (int i = 0; i < steps; ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    s.words[i & 31] ^= x;
  }
  s.words[0] = x;
}

double ThreadCpuNanos() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int WorkStepsFor200ns() {
  static const int steps = [] {
    SharedState s;
    constexpr int kProbe = 1000;
    constexpr int kRounds = 5000;
    const double start = ThreadCpuNanos();
    for (int r = 0; r < kRounds; ++r) {
      Work(s, kProbe);
      benchmark::ClobberMemory();
    }
    const double ns_per_step =
        (ThreadCpuNanos() - start) / (double{kProbe} * kRounds);
    benchmark::DoNotOptimize(s.words[0]);
    return std::max(1, static_cast<int>(200 / ns_per_step));
  }();
  return steps;
}

double JainIndex(const std::vector<uint64_t>& x) {
  double sum = 0, sum_sq = 0;
  for (uint64_t v : x) {
    sum += static_cast<double>(v);
    sum_sq += static_cast<double>(v) * static_cast<double>(v);
  }
  return sum_sq == 0 ? 0 : sum * sum / (x.size() * sum_sq);
}

// A thread's acquisition count, read by the main thread while it runs.
struct alignas(64) PaddedCounter {
  std::atomic<uint64_t> n{0};
};

std::vector<uint64_t> Read(const std::vector<PaddedCounter>& counters) {
  std::vector<uint64_t> out;
  for (const PaddedCounter& c : counters) {
    out.push_back(c.n.load(std::memory_order_relaxed));
  }
  return out;
}

template <typename Lock>
struct LockCounters {
  static LockCounters Read(const Lock&) { return {}; }
  void Report(const LockCounters&, double, benchmark::State&) const {}
};

template <gil::LockPolicy kPolicy, uint32_t kPeriod>
struct LockCounters<HeapdLock<kPolicy, kPeriod>> {
  gil::LockStatsSnapshot s;
  static LockCounters Read(const HeapdLock<kPolicy, kPeriod>& lock) {
    return {lock.lock().Stats()};
  }
  // Counters over the measured window; distributions over the whole run.
  void Report(const LockCounters& before, double elapsed,
              benchmark::State& state) const {
    const double n =
        static_cast<double>(s.acquisitions - before.s.acquisitions);
    state.counters["contended_pct"] =
        n == 0 ? 0 : 100.0 * (s.contended - before.s.contended) / n;
    state.counters["handoffs_per_s"] =
        (s.handoffs - before.s.handoffs) / elapsed;
    state.counters["drop_requests"] = s.drop_requests - before.s.drop_requests;
    state.counters["forced_switches"] =
        s.forced_switches - before.s.forced_switches;
    state.counters["wait_p99_us"] = s.wait.p99 / 1e3;
    state.counters["wait_max_ms"] = s.wait.max / 1e6;
    state.counters["hold_p50_ns"] = s.hold.p50;
    state.counters["waiters_peak"] = s.waiters_peak;
  }
};

template <typename Lock>
void BM_Contended(benchmark::State& state) {
  const int nthreads = static_cast<int>(state.range(0));
  const int steps = WorkStepsFor200ns();
  for (auto _ : state) {
    auto lock = std::make_unique<Lock>();
    auto shared = std::make_unique<SharedState>();
    std::vector<PaddedCounter> counts(nthreads);
    std::atomic<bool> stop{false};
    std::latch start(nthreads + 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < nthreads; ++t) {
      threads.emplace_back([&, t] {
        std::atomic<uint64_t>& mine = counts[t].n;
        start.arrive_and_wait();
        while (!stop.load(std::memory_order_relaxed)) {
          lock->Acquire();
          Work(*shared, steps);
          lock->Release();
          mine.store(mine.load(std::memory_order_relaxed) + 1,
                     std::memory_order_relaxed);
        }
      });
    }
    start.arrive_and_wait();
    // Threads start running at different times (64 of them on 2 cores);
    // measure only once all are under way, and stop measuring before any
    // leaves.
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const std::vector<uint64_t> first = Read(counts);
    const auto lock_first = LockCounters<Lock>::Read(*lock);
    const auto begin = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(trial_seconds));
    const std::vector<uint64_t> last = Read(counts);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    const auto lock_last = LockCounters<Lock>::Read(*lock);
    stop.store(true, std::memory_order_relaxed);
    for (std::thread& t : threads) t.join();
    state.SetIterationTime(elapsed);

    std::vector<uint64_t> window(nthreads);
    uint64_t total = 0, least = UINT64_MAX, most = 0;
    for (int t = 0; t < nthreads; ++t) {
      window[t] = last[t] - first[t];
      total += window[t];
      least = std::min(least, window[t]);
      most = std::max(most, window[t]);
    }
    state.counters["acq_per_s"] = total / elapsed;
    state.counters["jain"] = JainIndex(window);
    state.counters["min_share"] =
        total == 0 ? 0 : least * static_cast<double>(nthreads) / total;
    state.counters["max_share"] =
        total == 0 ? 0 : most * static_cast<double>(nthreads) / total;
    lock_last.Report(lock_first, elapsed, state);
    benchmark::DoNotOptimize(shared->words[0]);
  }
  state.counters["work_steps"] = steps;
}

#define CONTENDED(Lock)                  \
  BENCHMARK_TEMPLATE(BM_Contended, Lock) \
      ->ArgName("threads")               \
      ->Arg(2)                           \
      ->Arg(8)                           \
      ->Arg(64)                          \
      ->Iterations(1)                    \
      ->UseManualTime()                  \
      ->Unit(benchmark::kMillisecond)

CONTENDED(Cpython);
CONTENDED(Fifo);
CONTENDED(Barging);
CONTENDED(StdMutexLock);

}  // namespace
}  // namespace heapd

int main(int argc, char** argv) {
  // Our one flag, removed before Google Benchmark parses the rest.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char kFlag[] = "--trial_seconds=";
    if (std::strncmp(argv[i], kFlag, sizeof(kFlag) - 1) == 0) {
      heapd::trial_seconds = std::atof(argv[i] + sizeof(kFlag) - 1);
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
