// vanishing_client: a heapd client that dies with SIGKILL in the middle of
// what it is doing, as a crashed or killed client process would, for
// tests/faults_integration_test.cc.
//
//   vanishing_client ADDRESS MODE TTL_MS
//
// Opens a session with lease TTL_MS, builds garbage it keeps alive (100
// two-object cycles and 100 objects it holds), then, by MODE:
//   call    starts a full Collect and dies while it runs
//   batch   starts a Batch of 5,000 allocations and links and dies mid-way
//   stream  opens WatchStats, reads one message, and dies mid-stream
// Before dying it prints "session SESSION_ID" and "dying" on stdout.
// Exits 2 on bad arguments, 1 if a call fails before the point of death.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "proto/heap.grpc.pb.h"

namespace {

using heapd::v1::Heap;

[[noreturn]] void Die() {
  std::cout << "dying" << std::endl;
  kill(getpid(), SIGKILL);
  std::abort();  // not reached
}

template <typename Method, typename Request, typename Response>
bool Call(Heap::Stub& stub, Method method, const Request& request,
          Response* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(30));
  const grpc::Status status = (stub.*method)(&context, request, response);
  if (!status.ok()) {
    std::cerr << "vanishing_client: " << status.error_message() << "\n";
  }
  return status.ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: vanishing_client ADDRESS call|batch|stream TTL_MS\n";
    return 2;
  }
  const std::string address = argv[1];
  const std::string mode = argv[2];
  const long ttl_ms = std::atol(argv[3]);
  std::unique_ptr<Heap::Stub> stub = Heap::NewStub(grpc::CreateChannel(
      "ipv4:" + address, grpc::InsecureChannelCredentials()));

  heapd::v1::OpenSessionRequest open;
  open.set_client_name("vanishing_client");
  open.set_ttl_ms(ttl_ms);
  heapd::v1::OpenSessionResponse opened;
  if (!Call(*stub, &Heap::Stub::OpenSession, open, &opened)) return 1;
  const std::string session = opened.session_id();
  std::cout << "session " << session << std::endl;

  // Garbage only the collector can free, and objects only the session keeps.
  heapd::v1::BatchRequest build;
  build.set_session_id(session);
  for (uint32_t i = 0; i < 100; ++i) {
    auto* pair = build.add_operations()->mutable_allocate();
    pair->set_type(heapd::v1::OBJECT);
    pair->set_count(2);
    const uint32_t op = build.operations_size() - 1;
    for (uint32_t from = 0; from < 2; ++from) {
      auto* link = build.add_operations()->mutable_link();
      link->mutable_source()->mutable_result()->set_op(op);
      link->mutable_source()->mutable_result()->set_object(from);
      link->mutable_target()->mutable_result()->set_op(op);
      link->mutable_target()->mutable_result()->set_object(1 - from);
      link->set_field("peer");
    }
    for (uint32_t object = 0; object < 2; ++object) {
      auto* drop = build.add_operations()->mutable_decref();
      drop->mutable_object()->mutable_result()->set_op(op);
      drop->mutable_object()->mutable_result()->set_object(object);
    }
  }
  auto* kept = build.add_operations()->mutable_allocate();
  kept->set_type(heapd::v1::DICT);
  kept->set_count(100);
  heapd::v1::BatchResponse built;
  if (!Call(*stub, &Heap::Stub::Batch, build, &built)) return 1;

  grpc::ClientContext context;
  if (mode == "call" || mode == "batch") {
    grpc::CompletionQueue queue;
    if (mode == "call") {
      heapd::v1::CollectRequest collect;
      collect.set_session_id(session);
      auto call = stub->AsyncCollect(&context, collect, &queue);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      Die();
    }
    heapd::v1::BatchRequest batch;
    batch.set_session_id(session);
    for (int i = 0; i < 2500; ++i) {
      auto* allocate = batch.add_operations()->mutable_allocate();
      allocate->set_type(heapd::v1::LIST);
      auto* link = batch.add_operations()->mutable_link();
      link->mutable_source()->mutable_result()->set_op(2 * i);
      link->mutable_target()->mutable_result()->set_op(2 * i);
      link->set_append(true);
    }
    auto call = stub->AsyncBatch(&context, batch, &queue);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    Die();
  }
  if (mode == "stream") {
    heapd::v1::WatchStatsRequest watch;
    watch.set_interval_ms(50);
    auto reader = stub->WatchStats(&context, watch);
    heapd::v1::StatsResponse message;
    if (!reader->Read(&message)) return 1;
    Die();
  }
  std::cerr << "vanishing_client: unknown mode '" << mode << "'\n";
  return 2;
}
