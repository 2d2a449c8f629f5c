// Fuzzes heapd's request handling: arbitrary single-RPC and Batch request
// messages through HeapService, in process.
//
// One HeapService is built for the whole run and registered on a gRPC server
// with no listening port; requests go through server->InProcessChannel(), so
// they pass gRPC's real (de)serialization and the service's real handlers,
// lock and sessions.
//
// Input format: up to kMaxRequests requests, each
//   [rpc byte] [session byte] [length byte] [length bytes: the request]
// The rpc byte picks the method (OneRequest's order, that of
// make_request_seeds.py), the bytes are parsed with
// the method's request message (a parse failure sends whatever was parsed).
// Then, so that requests get past the session check and name live objects:
//   - session byte % 4 != 0: session_id (wherever the message has one) is
//     replaced by the session this input opened;
//   - every handle-like uint64 field (handle, source, target, item,
//     resurrect_into; in nested messages too) under 256 is replaced by the
//     (value % n)-th handle allocated so far in this input;
//   - allocation lengths between 1 MiB and the types' 64 MiB maximum are
//     reduced modulo 1 MiB (bad lengths stay bad), so that memory stays
//     bounded across a long run; max_allocate_count and max_batch are small.
//
// Three identities send the requests (access control is on): two clients
// and an admin, picked per request by the session byte's bits 2..; each
// has its own session. After every request of a client, no handle in the
// answer may name a live object of another identity (the answer reveals
// nothing of it); a request naming another identity's object gets the
// heap's NOT_FOUND, which Verify and the model-based test check further.
//
// After every request, holding the interpreter lock, ObjectHeap::Verify()
// must pass; after every input the harness closes the sessions the input
// opened, resets the collector's configuration, unfreezes, clears
// gc.garbage and collects, so inputs stay independent. Every 64th input
// Stats (fresh) must answer OK with figures that add up. A failed check, a
// crash or a sanitizer report is a bug; error statuses are expected.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_input.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/logging.h"
#include "heap/gil/interpreter_lock.h"
#include "heap/interpreter.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "server/access_control.h"
#include "server/heap_service.h"

namespace heapd {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using server::AccessControl;
using server::HeapService;
using server::HeapServiceOptions;

constexpr int kMaxRequests = 16;

// The identities, in the tokens file's order (so identity i is the heap's
// tenant i + 1); the last is the admin.
constexpr int kIdentities = 3;
constexpr const char* kTokens[kIdentities] = {"fuzz-alice-token-0123456789",
                                              "fuzz-bob-token-0123456789",
                                              "fuzz-root-token-0123456789"};
constexpr int kAdmin = kIdentities - 1;

std::shared_ptr<const AccessControl> FuzzAccessControl() {
  char path[] = "/tmp/request_fuzzer_tokens_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  const std::string text =
      absl::StrCat(kTokens[0], " client alice\n", kTokens[1], " client bob\n",
                   kTokens[2], " admin root\n");
  if (write(fd, text.data(), text.size()) !=
      static_cast<ssize_t>(text.size())) {
    std::abort();
  }
  close(fd);
  absl::StatusOr<AccessControl> access = AccessControl::FromFile(path);
  unlink(path);
  if (!access.ok()) std::abort();
  return std::make_shared<const AccessControl>(*std::move(access));
}
constexpr int64_t kLengthCap = int64_t{1} << 20;
constexpr int64_t kLargestLength = int64_t{64} << 20;

struct Harness {
  Harness() {
    HeapServiceOptions options;
    options.max_allocate_count = 16;
    options.max_batch = 64;
    // Sessions an input opens and the harness misses expire quickly.
    options.max_session_ttl = absl::Seconds(2);
    options.access_control = FuzzAccessControl();
    service = std::make_unique<HeapService>(options);
    grpc::ServerBuilder builder;
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    if (server == nullptr) {
      std::fprintf(stderr, "request_fuzzer: the server did not start\n");
      std::abort();
    }
    stub =
        v1::Heap::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
    kind = service->lock_for_testing().RegisterKind("Fuzz");
  }

  std::unique_ptr<HeapService> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::Heap::Stub> stub;
  gil::RequestKind kind;
  uint64_t inputs = 0;
};

Harness& TheHarness() {
  static Harness* harness = new Harness();
  return *harness;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "request_fuzzer: %s\n", what.c_str());
  std::abort();
}

// The context of every call: a generous deadline, so that only a hang (not
// a slow, sanitized, shared machine) trips it.
std::unique_ptr<grpc::ClientContext> Context(int identity = kAdmin) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization",
                       absl::StrCat("Bearer ", kTokens[identity]));
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

void CheckStatus(const grpc::Status& status, const char* method) {
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
      status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    Fail(std::string(method) + " did not answer: " + status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::INTERNAL ||
      status.error_code() == grpc::StatusCode::UNKNOWN) {
    // The heap reports broken invariants as INTERNAL.
    Fail(std::string(method) + " failed with code " +
         std::to_string(status.error_code()) + ": " + status.error_message());
  }
}

class Input {
 public:
  Input(Harness& harness, const uint8_t* data, size_t size)
      : h_(harness), in_(data, size) {}

  void Run() {
    for (int identity = 0; identity < kIdentities; ++identity) {
      v1::OpenSessionResponse opened;
      CheckStatus(h_.stub->OpenSession(Context(identity).get(),
                                       v1::OpenSessionRequest(), &opened),
                  "OpenSession");
      own_sessions_[identity] = opened.session_id();
      sessions_.push_back(opened.session_id());
    }
    for (int i = 0; i < kMaxRequests && !in_.done(); ++i) {
      OneRequest();
      VerifyHeap("a request");
    }
    CleanUp();
  }

 private:
  void VerifyHeap(const char* after) {
    gil::InterpreterLock& lock = h_.service->lock_for_testing();
    lock.Acquire(h_.kind);
    const absl::Status status =
        h_.service->interpreter_for_testing().heap().Verify();
    lock.Release();
    if (!status.ok()) {
      Fail(std::string("Verify failed after ") + after + ": " +
           status.ToString());
    }
  }

  // Closes what the input opened and puts the collector back as it was,
  // all garbage freed, so that the next input starts from a clean heap.
  void CleanUp() {
    for (const std::string& id : sessions_) {
      v1::CloseSessionRequest request;
      request.set_session_id(id);
      v1::CloseSessionResponse response;
      h_.stub->CloseSession(Context().get(), request, &response);
    }
    gil::InterpreterLock& lock = h_.service->lock_for_testing();
    lock.Acquire(h_.kind);
    objects::ObjectHeap& heap = h_.service->interpreter_for_testing().heap();
    const absl::Status reset = heap.SetGcConfig(objects::GcConfig());
    heap.Unfreeze();
    heap.ClearGarbage();
    const absl::StatusOr<objects::CollectResult> collected = heap.Collect(2);
    const absl::Status status = heap.Verify();
    lock.Release();
    if (!reset.ok() || !collected.ok()) Fail("the clean-up failed");
    if (!status.ok())
      Fail("Verify failed after the clean-up: " + status.ToString());
    if (++h_.inputs % 64 == 0) CheckStats();
  }

  void CheckStats() {
    v1::StatsRequest request;
    request.set_fresh(true);
    v1::StatsResponse response;
    const grpc::Status status =
        h_.stub->Stats(Context().get(), request, &response);
    if (!status.ok()) Fail("Stats failed: " + status.error_message());
    int64_t objects = 0, bytes = 0;
    for (const v1::TypeStats& type : response.objects().by_type()) {
      objects += type.count();
      bytes += type.bytes();
    }
    if (objects != response.objects().objects() ||
        bytes != response.objects().bytes()) {
      Fail("Stats: the objects by type do not add up to the total");
    }
  }

  // Rewrites a parsed request as the header comment says.
  void Fix(Message* message, bool own_session) {
    const Reflection* reflection = message->GetReflection();
    const google::protobuf::Descriptor* descriptor = message->GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const std::string& name = field->name();
      if (field->is_repeated()) {
        if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          for (int j = 0; j < reflection->FieldSize(*message, field); ++j) {
            Fix(reflection->MutableRepeatedMessage(message, field, j),
                own_session);
          }
        }
        continue;
      }
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          if (name == "session_id" && own_session) {
            reflection->SetString(message, field, own_sessions_[identity_]);
          }
          break;
        case FieldDescriptor::CPPTYPE_UINT64: {
          if (name != "handle" && name != "source" && name != "target" &&
              name != "item" && name != "resurrect_into") {
            break;
          }
          if (!reflection->HasField(*message, field) &&
              field->containing_oneof() != nullptr) {
            break;  // another member of the oneof is set
          }
          const uint64_t value = reflection->GetUInt64(*message, field);
          if (value < 256 && !handles_.empty()) {
            reflection->SetUInt64(message, field,
                                  handles_[value % handles_.size()]);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          if (name == "interval_ms") {
            // WatchStats: at most 200 ms to the first snapshot.
            const int64_t value = reflection->GetInt64(*message, field);
            if (value > 200) reflection->SetInt64(message, field, value % 200);
            break;
          }
          if (name != "length") break;
          const int64_t value = reflection->GetInt64(*message, field);
          if (value > kLengthCap && value <= kLargestLength) {
            reflection->SetInt64(message, field, value % kLengthCap);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (reflection->HasField(*message, field)) {
            Fix(reflection->MutableMessage(message, field), own_session);
          }
          break;
        default:
          break;
      }
    }
  }

  // Every handle an answer names (fields called handle, target, item,
  // released, replaced, items, referents, referrers, in nested messages
  // too).
  static void HandlesIn(const Message& message, std::vector<uint64_t>* out) {
    const Reflection* reflection = message.GetReflection();
    const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const std::string& name = field->name();
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (field->is_repeated()) {
          for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
            HandlesIn(reflection->GetRepeatedMessage(message, field, j), out);
          }
        } else if (reflection->HasField(message, field)) {
          HandlesIn(reflection->GetMessage(message, field), out);
        }
        continue;
      }
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_UINT64) continue;
      if (name != "handle" && name != "target" && name != "item" &&
          name != "released" && name != "replaced" && name != "items" &&
          name != "referents" && name != "referrers") {
        continue;
      }
      if (field->is_repeated()) {
        for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
          out->push_back(reflection->GetRepeatedUInt64(message, field, j));
        }
      } else {
        out->push_back(reflection->GetUInt64(message, field));
      }
    }
  }

  // No live object of another identity is named in a client's answer.
  void CheckRevealsNothing(const Message& response, const char* method) {
    std::vector<uint64_t> handles;
    HandlesIn(response, &handles);
    if (handles.empty()) return;
    gil::InterpreterLock& lock = h_.service->lock_for_testing();
    lock.Acquire(h_.kind);
    objects::ObjectHeap& heap = h_.service->interpreter_for_testing().heap();
    uint64_t leaked = 0;
    for (uint64_t handle : handles) {
      if (handle == 0 || !heap.Visible(handle)) continue;  // freed since
      objects::ScopedAccess own(
          heap,
          objects::Access::Only(static_cast<objects::TenantId>(identity_ + 1)));
      if (!heap.Visible(handle)) leaked = handle;
    }
    lock.Release();
    if (leaked != 0) {
      Fail(absl::StrCat(method, "'s answer to identity ", identity_,
                        " names another identity's object ", leaked));
    }
  }

  void Remember(const v1::AllocateResponse& response) {
    for (const v1::AllocatedObject& object : response.objects()) {
      handles_.push_back(object.handle());
    }
  }

  // Parses the next request into `request` and fixes it up.
  template <typename Request>
  Request Next(bool own_session) {
    const size_t length = in_.Byte();
    std::string bytes;
    while (bytes.size() < length && !in_.done()) {
      bytes.push_back(static_cast<char>(in_.Byte()));
    }
    Request request;
    (void)request.ParseFromString(bytes);
    Fix(&request, own_session);
    return request;
  }

  template <typename Request, typename Response>
  Response Call(grpc::Status (v1::Heap::Stub::*method)(grpc::ClientContext*,
                                                       const Request&,
                                                       Response*),
                const char* name, bool own_session) {
    const Request request = Next<Request>(own_session);
    Response response;
    CheckStatus(
        (h_.stub.get()->*method)(Context(identity_).get(), request, &response),
        name);
    if (identity_ != kAdmin) CheckRevealsNothing(response, name);
    return response;
  }

  void OneRequest() {
    using Stub = v1::Heap::Stub;
    const uint8_t method = in_.Byte();
    const uint8_t session_byte = in_.Byte();
    const bool own_session = session_byte % 4 != 0;
    identity_ = (session_byte >> 2) % kIdentities;
    switch (method % 21) {
      case 0:
        Call(&Stub::Ping, "Ping", own_session);
        break;
      case 1:
        Call(&Stub::Stats, "Stats", own_session);
        break;
      case 2: {
        const v1::OpenSessionResponse response =
            Call(&Stub::OpenSession, "OpenSession", own_session);
        if (!response.session_id().empty()) {
          sessions_.push_back(response.session_id());
        }
        break;
      }
      case 3:
        Call(&Stub::CloseSession, "CloseSession", own_session);
        break;
      case 4:
        Remember(Call(&Stub::Allocate, "Allocate", own_session));
        break;
      case 5:
        Call(&Stub::IncRef, "IncRef", own_session);
        break;
      case 6:
        Call(&Stub::DecRef, "DecRef", own_session);
        break;
      case 7:
        Call(&Stub::Link, "Link", own_session);
        break;
      case 8:
        Call(&Stub::Unlink, "Unlink", own_session);
        break;
      case 9:
        Call(&Stub::Collect, "Collect", own_session);
        break;
      case 10:
        Call(&Stub::Inspect, "Inspect", own_session);
        break;
      case 11:
        Call(&Stub::GetGcConfig, "GetGcConfig", own_session);
        break;
      case 12:
        Call(&Stub::SetGcConfig, "SetGcConfig", own_session);
        break;
      case 13:
        Call(&Stub::Freeze, "Freeze", own_session);
        break;
      case 14:
        Call(&Stub::Unfreeze, "Unfreeze", own_session);
        break;
      case 15: {
        const v1::BatchResponse response =
            Call(&Stub::Batch, "Batch", own_session);
        for (const v1::OperationResult& result : response.results()) {
          if (result.has_allocate()) Remember(result.allocate());
        }
        break;
      }
      case 16: {
        // A stream that runs until cancelled: the first snapshot (the
        // interval is clamped to 200 ms), then the harness cancels.
        const v1::WatchStatsRequest request =
            Next<v1::WatchStatsRequest>(own_session);
        auto context = Context(identity_);
        std::unique_ptr<grpc::ClientReader<v1::StatsResponse>> reader =
            h_.stub->WatchStats(context.get(), request);
        v1::StatsResponse response;
        reader->Read(&response);
        context->TryCancel();
        while (reader->Read(&response)) {
        }
        CheckStatus(reader->Finish(), "WatchStats");
        break;
      }
      case 17:
        // Every heap invariant, as a client asks for it.
        Call(&Stub::Verify, "Verify", own_session);
        break;
      case 18: {
        const v1::GetReferentResponse response =
            Call(&Stub::GetReferent, "GetReferent", own_session);
        if (response.handle() != 0) handles_.push_back(response.handle());
        break;
      }
      case 19:
        Call(&Stub::CreateWeakRef, "CreateWeakRef", own_session);
        break;
      default:
        Call(&Stub::ReadWeakRef, "ReadWeakRef", own_session);
        break;
    }
  }

  Harness& h_;
  FuzzInput in_;
  // The identity sending the current request, and each identity's session.
  int identity_ = kAdmin;
  std::string own_sessions_[kIdentities];
  std::vector<std::string> sessions_;
  std::vector<uint64_t> handles_;
};

}  // namespace
}  // namespace heapd

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  // Invalid UTF-8 in string fields is an expected input; protobuf's log
  // line for each one would drown the fuzzer's own output.
  google::protobuf::SetLogHandler(nullptr);
  heapd::TheHarness();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  heapd::Input input(heapd::TheHarness(), data, size);
  input.Run();
  return 0;
}
