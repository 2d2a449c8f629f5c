// Many clients at once against a real heapd: 64 clients doing random
// operations on connections of their own while a dashboard polls Stats at
// 20 Hz, then checks that every count balances; and 1,000 connections at
// once. (That Ping and Stats answer while heap requests queue for a held
// lock is server/heap_service_test.cc's: there the test holds the lock.)
//
// Bounded: each client runs a fixed number of operations (and stops early at
// a wall-clock cap); every call has a deadline.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);

// One client's view of its own objects: the references its session holds
// and the links among them. Clients never touch each other's objects, so
// this is all that refers to them.
struct ClientModel {
  struct Object {
    v1::ObjectType type = v1::OBJECT;
    std::map<std::string, uint64_t> fields;  // OBJECT, DICT
    std::vector<uint64_t> items;             // LIST
  };
  std::map<uint64_t, Object> objects;  // every handle it ever made
  std::map<uint64_t, int64_t> held;    // its session's references

  // Drops the links of objects the server says are gone: freed objects
  // release what they referred to.
  int64_t LinksTo(uint64_t target,
                  const std::map<uint64_t, bool>& alive) const {
    int64_t links = 0;
    for (const auto& [handle, object] : objects) {
      auto it = alive.find(handle);
      if (it == alive.end() || !it->second) continue;
      for (const auto& [field, to] : object.fields) links += to == target;
      links += std::count(object.items.begin(), object.items.end(), target);
    }
    return links;
  }
};

// A client on its own connection, with its own session.
class Client {
 public:
  Client(std::shared_ptr<grpc::Channel> channel, uint32_t seed)
      : stub_(v1::Heap::NewStub(channel)), rng_(seed) {}

  template <typename Method, typename Request, typename Response>
  grpc::Status Call(Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    return ((*stub_).*method)(&context, request, response);
  }

  grpc::Status Open() {
    v1::OpenSessionRequest request;
    request.set_client_name("service_load_integration_test");
    v1::OpenSessionResponse response;
    grpc::Status status =
        Call(&v1::Heap::Stub::OpenSession, request, &response);
    session_ = response.session_id();
    return status;
  }

  // One random operation; a failure is returned only when it is not one the
  // model expects (e.g. a link to an object that was already freed).
  grpc::Status Step() {
    std::uniform_int_distribution<int> pick(0, 99);
    const int op = pick(rng_);
    if (op < 30 || model_.held.empty()) return AllocateOne();
    const uint64_t a = RandomHeld();
    if (op < 40) return IncRef(a);
    if (op < 60) return DecRef(a);
    if (op < 85) return LinkTo(a, RandomHeld());
    if (op < 95) return UnlinkFrom(a);
    if (op < 97) return Collect(0);
    return BatchOfThree();
  }

  // The checks of "every session's references balance".
  void CheckBalance() {
    std::map<uint64_t, bool> alive;
    std::map<uint64_t, v1::ObjectInfo> infos;
    for (const auto& [handle, object] : model_.objects) {
      v1::InspectRequest request;
      request.set_session_id(session_);
      request.set_handle(handle);
      v1::InspectResponse response;
      const grpc::Status status =
          Call(&v1::Heap::Stub::Inspect, request, &response);
      if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
        alive[handle] = false;
        EXPECT_EQ(model_.held.count(handle), 0u)
            << "object " << handle << " is gone though the session holds it";
        continue;
      }
      ASSERT_TRUE(status.ok()) << Describe(status);
      alive[handle] = true;
      infos[handle] = response.object();
    }
    for (const auto& [handle, info] : infos) {
      const auto held = model_.held.find(handle);
      const int64_t references = held == model_.held.end() ? 0 : held->second;
      EXPECT_EQ(info.session_references(), references) << "object " << handle;
      EXPECT_EQ(info.refcount(), references + model_.LinksTo(handle, alive))
          << "object " << handle;
    }
    int64_t total = 0;
    for (const auto& [handle, count] : model_.held) total += count;
    v1::CloseSessionRequest request;
    request.set_session_id(session_);
    v1::CloseSessionResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::CloseSession, request, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.references_released(), total);
  }

  int64_t operations() const { return operations_; }

 private:
  uint64_t RandomHeld() {
    std::uniform_int_distribution<size_t> pick(0, model_.held.size() - 1);
    auto it = model_.held.begin();
    std::advance(it, pick(rng_));
    return it->first;
  }

  grpc::Status AllocateOne() {
    static constexpr v1::ObjectType kTypes[] = {v1::OBJECT, v1::LIST, v1::DICT,
                                                v1::STR};
    std::uniform_int_distribution<int> pick(0, 3);
    const v1::ObjectType type = kTypes[pick(rng_)];
    v1::AllocateRequest request;
    request.set_session_id(session_);
    request.set_type(type);
    request.set_count(1);
    if (type == v1::STR) request.set_length(10);
    v1::AllocateResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::Allocate, request, &response);
    if (!status.ok()) return status;
    ++operations_;
    const uint64_t handle = response.objects(0).handle();
    model_.objects[handle].type = type;
    ++model_.held[handle];
    return status;
  }

  grpc::Status IncRef(uint64_t handle) {
    v1::IncRefRequest request;
    request.set_session_id(session_);
    request.set_handle(handle);
    v1::IncRefResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::IncRef, request, &response);
    if (status.ok()) {
      ++operations_;
      ++model_.held[handle];
    }
    return status;
  }

  grpc::Status DecRef(uint64_t handle) {
    v1::DecRefRequest request;
    request.set_session_id(session_);
    request.set_handle(handle);
    v1::DecRefResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::DecRef, request, &response);
    if (status.ok()) {
      ++operations_;
      if (--model_.held[handle] == 0) model_.held.erase(handle);
    }
    return status;
  }

  grpc::Status LinkTo(uint64_t source, uint64_t target) {
    ClientModel::Object& object = model_.objects[source];
    if (object.type == v1::STR) return grpc::Status::OK;  // atomic: skip
    v1::LinkRequest request;
    request.set_session_id(session_);
    request.set_source(source);
    request.set_target(target);
    std::uniform_int_distribution<int> field(0, 2);
    const std::string name = absl::StrCat("f", field(rng_));
    if (object.type == v1::LIST) {
      request.set_append(true);
    } else {
      request.set_field(name);
    }
    v1::LinkResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::Link, request, &response);
    if (!status.ok()) return status;
    ++operations_;
    if (object.type == v1::LIST) {
      object.items.push_back(target);
    } else {
      object.fields[name] = target;
    }
    return status;
  }

  grpc::Status UnlinkFrom(uint64_t source) {
    ClientModel::Object& object = model_.objects[source];
    v1::UnlinkRequest request;
    request.set_session_id(session_);
    request.set_source(source);
    if (object.type == v1::LIST && !object.items.empty()) {
      request.set_item(object.items.front());
    } else if (!object.fields.empty()) {
      request.set_field(object.fields.begin()->first);
    } else {
      return grpc::Status::OK;  // nothing to unlink
    }
    v1::UnlinkResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::Unlink, request, &response);
    if (!status.ok()) return status;
    ++operations_;
    if (request.has_item()) {
      object.items.erase(object.items.begin());
    } else {
      object.fields.erase(object.fields.begin());
    }
    return status;
  }

  grpc::Status Collect(int generation) {
    v1::CollectRequest request;
    request.set_session_id(session_);
    request.set_generation(generation);
    v1::CollectResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::Collect, request, &response);
    if (status.ok()) ++operations_;
    return status;
  }

  // Allocate an object, link it into itself, and drop it: a one-object
  // cycle made in one call, left for the collector.
  grpc::Status BatchOfThree() {
    v1::BatchRequest request;
    request.set_session_id(session_);
    v1::Operation* allocate = request.add_operations();
    allocate->mutable_allocate()->set_type(v1::OBJECT);
    allocate->mutable_allocate()->set_count(1);
    v1::Operation* link = request.add_operations();
    link->mutable_link()->mutable_source()->mutable_result()->set_op(0);
    link->mutable_link()->mutable_target()->mutable_result()->set_op(0);
    link->mutable_link()->set_field("self");
    v1::Operation* drop = request.add_operations();
    drop->mutable_decref()->mutable_object()->mutable_result()->set_op(0);
    v1::BatchResponse response;
    grpc::Status status = Call(&v1::Heap::Stub::Batch, request, &response);
    if (!status.ok()) return status;
    for (const v1::OperationResult& result : response.results()) {
      if (result.code() != 0) {
        return grpc::Status(
            grpc::StatusCode::INTERNAL,
            absl::StrCat("batch operation failed: ", result.message()));
      }
    }
    operations_ += 3;
    return status;
  }

  std::unique_ptr<v1::Heap::Stub> stub_;
  std::mt19937 rng_;
  std::string session_;
  ClientModel model_;
  int64_t operations_ = 0;
};

class ServiceLoadTest : public HeapdTest {
 protected:
  ServiceLoadTest() : HeapdTest(kRpcTimeout) {}
};

TEST_F(ServiceLoadTest, SixtyFourClientsBalanceAndTheHeapStaysValid) {
  Start({});
  constexpr int kClients = 64;
  constexpr int kStepsPerClient = 400;
  const absl::Time cap = absl::Now() + absl::Seconds(60);

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(NewChannel(i + 1), 1000 + i));
    ASSERT_TRUE(clients.back()->Open().ok());
  }

  // The dashboard: Stats at 20 Hz for the whole run, each call with a
  // deadline it must never miss. (3 s: a bound on starvation, not a speed
  // check; the poller's latency is the benchmark's to measure.)
  std::atomic<bool> running{true};
  std::vector<int64_t> poll_us;
  std::vector<grpc::Status> poll_failures;
  std::thread poller([&] {
    std::unique_ptr<v1::Heap::Stub> stub = v1::Heap::NewStub(NewChannel(0));
    auto next = std::chrono::steady_clock::now();
    while (running.load()) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(3));
      v1::StatsResponse response;
      const auto start = std::chrono::steady_clock::now();
      const grpc::Status status =
          stub->Stats(&context, v1::StatsRequest(), &response);
      poll_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count());
      if (!status.ok()) poll_failures.push_back(status);
      next += std::chrono::milliseconds(50);
      std::this_thread::sleep_until(next);
    }
  });

  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      for (int step = 0; step < kStepsPerClient && absl::Now() < cap; ++step) {
        const grpc::Status status = clients[i]->Step();
        if (!status.ok()) {
          failures[i] = Describe(status);
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  running = false;
  poller.join();

  int64_t operations = 0;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(failures[i], "") << "client " << i;
    operations += clients[i]->operations();
  }
  EXPECT_GT(operations, kClients * kStepsPerClient / 2);
  ExpectHeapValid();

  for (const grpc::Status& status : poll_failures) {
    ADD_FAILURE() << "Stats poll failed: " << Describe(status);
  }
  ASSERT_FALSE(poll_us.empty());
  std::sort(poll_us.begin(), poll_us.end());
  // Reported, not asserted: the benchmark owns latency figures.
  std::printf(
      "Stats poller: %zu calls, p50 %lld us, p99 %lld us, max %lld us\n",
      poll_us.size(), static_cast<long long>(poll_us[poll_us.size() / 2]),
      static_cast<long long>(poll_us[poll_us.size() * 99 / 100]),
      static_cast<long long>(poll_us.back()));

  for (int i = 0; i < kClients; ++i) clients[i]->CheckBalance();
  ExpectHeapValid();

  // Every session closed: a full collection leaves nothing.
  v1::CollectRequest collect;
  v1::CollectResponse collected;
  v1::OpenSessionResponse opened;
  ASSERT_TRUE(
      Call(&v1::Heap::Stub::OpenSession, v1::OpenSessionRequest(), &opened)
          .ok());
  collect.set_session_id(opened.session_id());
  ASSERT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());
  const v1::StatsResponse stats = FreshStats();
  EXPECT_EQ(stats.objects().objects(), 0);
  EXPECT_EQ(stats.server().sessions_open(), 1);
  ExpectHeapValid();
}

// 1,000 client connections at once, each with a call in flight; every call
// succeeds and the server counts the connections.
TEST_F(ServiceLoadTest, AThousandConnections) {
  // The client side needs a descriptor per connection too.
  rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 4096 && limit.rlim_max > limit.rlim_cur) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 2200) {
    GTEST_SKIP() << "needs 2,200 file descriptors, the limit is "
                 << limit.rlim_cur;
  }
  Start({});
  constexpr int kConnections = 1000;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::Heap::Stub>> stubs;
  for (int i = 0; i < kConnections; ++i) {
    channels.push_back(NewChannel(i + 1));
    stubs.push_back(v1::Heap::NewStub(channels.back()));
  }
  // All calls in flight at once, on one completion queue.
  struct Pending {
    grpc::ClientContext context;
    v1::OpenSessionResponse response;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<v1::OpenSessionResponse>>
        reader;
  };
  grpc::CompletionQueue queue;
  std::vector<std::unique_ptr<Pending>> pending;
  for (int i = 0; i < kConnections; ++i) {
    auto call = std::make_unique<Pending>();
    call->context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    call->context.set_wait_for_ready(true);
    v1::OpenSessionRequest request;
    request.set_client_name(absl::StrCat("connection-", i));
    call->reader = stubs[i]->AsyncOpenSession(&call->context, request, &queue);
    call->reader->Finish(&call->response, &call->status, call.get());
    pending.push_back(std::move(call));
  }
  int done = 0;
  int ok = 0;
  void* tag;
  bool event_ok;
  while (done < kConnections && queue.Next(&tag, &event_ok)) {
    ++done;
    Pending* call = static_cast<Pending*>(tag);
    if (call->status.ok()) {
      ++ok;
    } else {
      ADD_FAILURE() << Describe(call->status);
    }
  }
  EXPECT_EQ(ok, kConnections);

  // connections_open is recounted at most once a second.
  int64_t connections = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    v1::StatsRequest request;
    request.add_sections(v1::SERVER);
    v1::StatsResponse stats;
    ASSERT_TRUE(Call(&v1::Heap::Stub::Stats, request, &stats).ok());
    connections = stats.server().connections_open();
    EXPECT_EQ(stats.server().sessions_open(), kConnections);
    if (connections >= kConnections) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  // Ours, plus the fixture's own channel.
  EXPECT_GE(connections, kConnections);
  queue.Shutdown();
  while (queue.Next(&tag, &event_ok)) {
  }
}

}  // namespace
}  // namespace heapd
