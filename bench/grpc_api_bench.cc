// grpc_api_bench: which gRPC server API should heapd use? The measurement
// behind the choice in docs/architecture.md.
//
// Two servers of the same three methods of heapd.v1.Heap, one on gRPC's
// synchronous API (a thread per call, from gRPC's pool) and one on the
// callback API (handlers run on gRPC's own event threads):
//   Ping      no lock, as heapd's
//   Allocate  one object under the interpreter lock (an ObjectHeap, the
//             real lock with statistics)
//   DecRef    drops it, under the lock
// Each is driven in turn, in one process, by a closed-loop client on
// --connections distinct connections with --in_flight calls each, for
// --seconds after a --warmup, running either `ping` or `alloc-free`
// (Allocate then DecRef of its handle, over and over). It prints calls per
// second, p50 and p99 per API and workload, and alloc-free as a fraction of
// ping, and the lock's contention.
//
//   bazel build --config=opt //bench:grpc_api_bench
//   bazel-out/k8-opt/bin/bench/grpc_api_bench --connections=64 --in_flight=2
//
// Client and servers share the machine's cores, as heapd and its clients
// do on one machine; compare ratios from one run, not absolute figures.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/interpreter.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.grpc.pb.h"

ABSL_FLAG(int, connections, 64, "Distinct client connections.");
ABSL_FLAG(int, in_flight, 2, "Calls in flight per connection.");
ABSL_FLAG(double, seconds, 5, "Measured time per run.");
ABSL_FLAG(double, warmup, 1, "Unmeasured time before each run.");
ABSL_FLAG(int, client_threads, 2, "Threads driving the client side.");
ABSL_FLAG(int, hold_us, 0,
          "Extra work under the lock per Allocate and DecRef, in us: stands "
          "for heavier operations (a collection at the safe point, a batch).");

namespace heapd {
namespace {

using Clock = std::chrono::steady_clock;

constexpr objects::OwnerId kOwner = 1;

// The heap and its lock, shared by whichever server runs.
class Backend {
 public:
  Backend()
      : interp_(objects::ObjectHeapOptions{}, gil::InterpreterLockOptions{}),
        allocate_(interp_.lock().RegisterKind("Allocate")),
        decref_(interp_.lock().RegisterKind("DecRef")) {}

  // Busy work under the lock, like a heavier heap operation.
  static void Hold() {
    const int hold_us = absl::GetFlag(FLAGS_hold_us);
    if (hold_us <= 0) return;
    const Clock::time_point until =
        Clock::now() + std::chrono::microseconds(hold_us);
    while (Clock::now() < until) {
    }
  }

  grpc::Status Allocate(v1::AllocateResponse* response) {
    gil::InterpreterLockHolder holder(&interp_.lock(), allocate_);
    Hold();
    absl::StatusOr<objects::Allocated> made =
        interp_.heap().Allocate(kOwner, objects::AllocateSpec{});
    if (!made.ok()) {
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "no memory");
    }
    response->add_objects()->set_handle(made->handle);
    return grpc::Status::OK;
  }

  grpc::Status DecRef(const v1::DecRefRequest& request) {
    gil::InterpreterLockHolder holder(&interp_.lock(), decref_);
    Hold();
    const absl::StatusOr<objects::RefCountResult> dropped =
        interp_.heap().DecRef(kOwner, request.handle());
    return dropped.ok() ? grpc::Status::OK
                        : grpc::Status(grpc::StatusCode::NOT_FOUND, "gone");
  }

  gil::LockStatsSnapshot LockStats() const { return interp_.lock().Stats(); }

 private:
  Interpreter interp_;
  const gil::RequestKind allocate_;
  const gil::RequestKind decref_;
};

class SyncHeap final : public v1::Heap::Service {
 public:
  explicit SyncHeap(Backend* backend) : backend_(backend) {}
  grpc::Status Ping(grpc::ServerContext*, const v1::PingRequest*,
                    v1::PingResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status Allocate(grpc::ServerContext*, const v1::AllocateRequest*,
                        v1::AllocateResponse* response) override {
    return backend_->Allocate(response);
  }
  grpc::Status DecRef(grpc::ServerContext*, const v1::DecRefRequest* request,
                      v1::DecRefResponse*) override {
    return backend_->DecRef(*request);
  }

 private:
  Backend* const backend_;
};

class CallbackHeap final : public v1::Heap::CallbackService {
 public:
  explicit CallbackHeap(Backend* backend) : backend_(backend) {}
  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context,
                                 const v1::PingRequest*,
                                 v1::PingResponse*) override {
    return Done(context, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* Allocate(grpc::CallbackServerContext* context,
                                     const v1::AllocateRequest*,
                                     v1::AllocateResponse* response) override {
    return Done(context, backend_->Allocate(response));
  }
  grpc::ServerUnaryReactor* DecRef(grpc::CallbackServerContext* context,
                                   const v1::DecRefRequest* request,
                                   v1::DecRefResponse*) override {
    return Done(context, backend_->DecRef(*request));
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context,
                                        const grpc::Status& status) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }
  Backend* const backend_;
};

// One call slot of the closed-loop client: as soon as a call completes the
// next starts. alloc-free alternates Allocate and DecRef of its handle.
struct Slot {
  v1::Heap::Stub* stub = nullptr;
  bool alloc_free = false;
  uint64_t handle = 0;  // to drop next; 0: allocate next
  std::unique_ptr<grpc::ClientContext> context;
  Clock::time_point started;
  grpc::Status status;
  v1::PingResponse ping;
  v1::AllocateResponse allocated;
  v1::DecRefResponse dropped;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::PingResponse>> ping_call;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::AllocateResponse>>
      allocate_call;
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::DecRefResponse>>
      decref_call;
  bool was_allocate = false;

  void Start(grpc::CompletionQueue* queue) {
    context = std::make_unique<grpc::ClientContext>();
    started = Clock::now();
    if (!alloc_free) {
      ping_call = stub->AsyncPing(context.get(), v1::PingRequest(), queue);
      ping_call->Finish(&ping, &status, this);
    } else if (handle == 0) {
      was_allocate = true;
      v1::AllocateRequest request;
      request.set_type(v1::OBJECT);
      allocate_call = stub->AsyncAllocate(context.get(), request, queue);
      allocate_call->Finish(&allocated, &status, this);
    } else {
      was_allocate = false;
      v1::DecRefRequest request;
      request.set_handle(handle);
      decref_call = stub->AsyncDecRef(context.get(), request, queue);
      decref_call->Finish(&dropped, &status, this);
    }
  }

  // After completion: what the next call is.
  void Advance() {
    if (!alloc_free) return;
    if (was_allocate) {
      handle = status.ok() && allocated.objects_size() == 1
                   ? allocated.objects(0).handle()
                   : 0;
      allocated.Clear();
    } else {
      handle = 0;
    }
  }
};

struct RunResult {
  double calls_per_second = 0;
  int64_t p50_us = 0;
  int64_t p99_us = 0;
  int64_t errors = 0;
};

RunResult Drive(const std::string& address, bool alloc_free) {
  const int connections = absl::GetFlag(FLAGS_connections);
  const int in_flight = absl::GetFlag(FLAGS_in_flight);
  const int threads = absl::GetFlag(FLAGS_client_threads);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::Heap::Stub>> stubs;
  for (int i = 0; i < connections; ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("heapd.bench.connection", i);
    channels.push_back(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
    channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                      std::chrono::seconds(10));
    stubs.push_back(v1::Heap::NewStub(channels.back()));
  }
  std::atomic<bool> measuring{false};
  std::atomic<bool> stopping{false};
  std::vector<std::vector<int64_t>> latencies(threads);
  std::vector<int64_t> errors(threads, 0);
  std::vector<std::thread> drivers;
  for (int t = 0; t < threads; ++t) {
    drivers.emplace_back([&, t] {
      grpc::CompletionQueue queue;
      std::vector<std::unique_ptr<Slot>> slots;
      for (int c = t; c < connections; c += threads) {
        for (int f = 0; f < in_flight; ++f) {
          auto slot = std::make_unique<Slot>();
          slot->stub = stubs[c].get();
          slot->alloc_free = alloc_free;
          slot->Start(&queue);
          slots.push_back(std::move(slot));
        }
      }
      size_t outstanding = slots.size();
      void* tag;
      bool ok;
      while (outstanding > 0 && queue.Next(&tag, &ok)) {
        Slot* slot = static_cast<Slot*>(tag);
        if (measuring.load(std::memory_order_relaxed)) {
          latencies[t].push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(
                  Clock::now() - slot->started)
                  .count());
          if (!slot->status.ok()) ++errors[t];
        }
        slot->Advance();
        if (stopping.load(std::memory_order_relaxed)) {
          --outstanding;
          continue;
        }
        slot->Start(&queue);
      }
      queue.Shutdown();
      while (queue.Next(&tag, &ok)) {
      }
    });
  }
  std::this_thread::sleep_for(
      std::chrono::duration<double>(absl::GetFlag(FLAGS_warmup)));
  measuring = true;
  const Clock::time_point start = Clock::now();
  std::this_thread::sleep_for(
      std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds)));
  measuring = false;
  const double elapsed =
      std::chrono::duration<double>(Clock::now() - start).count();
  stopping = true;
  for (std::thread& driver : drivers) driver.join();

  std::vector<int64_t> all;
  RunResult result;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    result.errors += errors[t];
  }
  std::sort(all.begin(), all.end());
  result.calls_per_second = all.size() / elapsed;
  if (!all.empty()) {
    result.p50_us = all[all.size() / 2];
    result.p99_us = all[all.size() * 99 / 100];
  }
  return result;
}

void Report(const char* api, const char* workload, const RunResult& result) {
  std::printf("%-9s %-11s %12.0f %8lld %8lld %6lld\n", api, workload,
              result.calls_per_second, static_cast<long long>(result.p50_us),
              static_cast<long long>(result.p99_us),
              static_cast<long long>(result.errors));
}

template <typename Service>
void Measure(const char* api) {
  Backend backend;
  Service service(&backend);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  const std::string address = "ipv4:127.0.0.1:" + std::to_string(port);
  const RunResult ping = Drive(address, /*alloc_free=*/false);
  Report(api, "ping", ping);
  const RunResult alloc_free = Drive(address, /*alloc_free=*/true);
  Report(api, "alloc-free", alloc_free);
  const gil::LockStatsSnapshot lock = backend.LockStats();
  std::printf(
      "%-9s alloc-free/ping %.3f, p99 ratio %.2f; lock: %llu "
      "acquisitions, %.1f%% contended, wait p99 %.0f us\n",
      api, alloc_free.calls_per_second / ping.calls_per_second,
      ping.p99_us > 0 ? static_cast<double>(alloc_free.p99_us) / ping.p99_us
                      : 0.0,
      static_cast<unsigned long long>(lock.acquisitions),
      lock.acquisitions == 0 ? 0.0 : 100.0 * lock.contended / lock.acquisitions,
      lock.wait.p99 / 1000.0);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

}  // namespace
}  // namespace heapd

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::printf("%d connections x %d in flight, %.1f s per run, %d us held\n",
              absl::GetFlag(FLAGS_connections), absl::GetFlag(FLAGS_in_flight),
              absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_hold_us));
  std::printf("%-9s %-11s %12s %8s %8s %6s\n", "api", "workload", "calls/s",
              "p50_us", "p99_us", "errors");
  heapd::Measure<heapd::CallbackHeap>("callback");
  heapd::Measure<heapd::SyncHeap>("sync");
  return 0;
}
