// Items by index (`xs[i] = x` as Link.index, `del xs[i]` as Unlink.index)
// and GetReferent (`x = a.ref`, `x = xs[i]` taking a new reference) against
// a real heapd, single and in a Batch; and every bad input to them (index
// out of range, wrong type, no slot, unknown handle or session, another
// identity's handle or session) answered with its status code and a heap
// left as it was.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"
#include "tests/status_text.h"

namespace heapd {
namespace {

constexpr char kAliceToken[] = "alice-token-0123456789abcdef";
constexpr char kBobToken[] = "bob-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";
constexpr uint64_t kMadeUpHandle = 0x5eed5eed5eed5eedULL;

std::string WriteTokens() {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/tokens");
  std::ofstream out(path);
  out << kAliceToken << " client alice\n"
      << kBobToken << " client bob\n"
      << kAdminToken << " admin root\n";
  return path;
}

class ReferentTest : public HeapdTest {
 protected:
  ReferentTest() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override {
    Start({absl::StrCat("--auth_tokens=", WriteTokens()),
           "--stats_publish_interval_ms=0"});
    bearer_token_ = kAliceToken;
    session_ = OpenSession();
  }

  uint64_t Allocate(v1::ObjectType type, int64_t length = 0) {
    v1::AllocateRequest request;
    request.set_session_id(session_);
    request.set_type(type);
    request.set_length(length);
    v1::AllocateResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Allocate, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response.objects_size() > 0 ? response.objects(0).handle() : 0;
  }

  void LinkOk(uint64_t source, uint64_t target,
              std::function<void(v1::LinkRequest*)> slot) {
    v1::LinkRequest request;
    request.set_session_id(session_);
    request.set_source(source);
    request.set_target(target);
    slot(&request);
    v1::LinkResponse response;
    const grpc::Status status = Call(&v1::Heap::Stub::Link, request, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }

  grpc::Status SetItem(uint64_t list, int64_t index, uint64_t target,
                       v1::LinkResponse* response) {
    v1::LinkRequest request;
    request.set_session_id(session_);
    request.set_source(list);
    request.set_target(target);
    request.set_index(index);
    return Call(&v1::Heap::Stub::Link, request, response);
  }

  grpc::Status DeleteItem(uint64_t list, int64_t index,
                          v1::UnlinkResponse* response) {
    v1::UnlinkRequest request;
    request.set_session_id(session_);
    request.set_source(list);
    request.set_index(index);
    return Call(&v1::Heap::Stub::Unlink, request, response);
  }

  v1::GetReferentRequest Referent(uint64_t source) const {
    v1::GetReferentRequest request;
    request.set_session_id(session_);
    request.set_source(source);
    return request;
  }

  v1::ObjectInfo Inspect(uint64_t handle) {
    v1::InspectRequest request;
    request.set_session_id(session_);
    request.set_handle(handle);
    v1::InspectResponse response;
    const grpc::Status status =
        Call(&v1::Heap::Stub::Inspect, request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return response.object();
  }

  // Verify is an admin's method.
  void ExpectValid() {
    bearer_token_ = kAdminToken;
    ExpectHeapValid();
    bearer_token_ = kAliceToken;
  }

  std::string session_;
};

TEST_F(ReferentTest, ItemsByIndexAndReferents) {
  const uint64_t holder = Allocate(v1::OBJECT);
  const uint64_t list = Allocate(v1::LIST);
  const uint64_t a = Allocate(v1::INT, 3);
  const uint64_t b = Allocate(v1::STR, 5);
  LinkOk(holder, list, [](v1::LinkRequest* r) { r->set_field("items"); });
  LinkOk(list, a, [](v1::LinkRequest* r) { r->set_append(true); });
  LinkOk(list, a, [](v1::LinkRequest* r) { r->set_append(true); });

  // xs[-1] = b
  v1::LinkResponse linked;
  grpc::Status status = SetItem(list, -1, b, &linked);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(linked.replaced(), a);
  EXPECT_EQ(linked.target_refcount(), 2);
  ASSERT_EQ(Inspect(list).items_size(), 2);
  EXPECT_EQ(Inspect(list).items(1), b);

  // x = holder.items: a new reference, the session's second to the list.
  v1::GetReferentRequest request = Referent(holder);
  request.set_field("items");
  v1::GetReferentResponse got;
  status = Call(&v1::Heap::Stub::GetReferent, request, &got);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(got.handle(), list);
  EXPECT_EQ(got.type(), v1::LIST);
  EXPECT_EQ(got.size(), Inspect(list).size());
  EXPECT_EQ(got.refcount(), 3);
  EXPECT_EQ(got.session_references(), 2);

  // y = xs[1]
  request = Referent(list);
  request.set_index(1);
  status = Call(&v1::Heap::Stub::GetReferent, request, &got);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(got.handle(), b);
  EXPECT_EQ(got.type(), v1::STR);

  // del xs[0]: the list held `a` once more than the session.
  v1::UnlinkResponse unlinked;
  status = DeleteItem(list, 0, &unlinked);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(unlinked.released(), a);
  EXPECT_EQ(unlinked.released_refcount(), 1);
  ASSERT_EQ(Inspect(list).items_size(), 1);
  ExpectValid();
}

TEST_F(ReferentTest, BatchNamesAReferentItTook) {
  const uint64_t holder = Allocate(v1::OBJECT);
  const uint64_t list = Allocate(v1::LIST);
  LinkOk(holder, list, [](v1::LinkRequest* r) { r->set_field("items"); });
  LinkOk(list, holder, [](v1::LinkRequest* r) { r->set_append(true); });

  // x = holder.items; x[0] = x; del x[0]
  v1::BatchRequest batch;
  batch.set_session_id(session_);
  v1::BatchGetReferent* get = batch.add_operations()->mutable_get_referent();
  get->mutable_source()->set_handle(holder);
  get->set_field("items");
  v1::BatchLink* set = batch.add_operations()->mutable_link();
  set->mutable_source()->mutable_result()->set_op(0);
  set->mutable_target()->mutable_result()->set_op(0);
  set->set_index(0);
  v1::BatchUnlink* del = batch.add_operations()->mutable_unlink();
  del->mutable_source()->mutable_result()->set_op(0);
  del->set_index(0);
  v1::BatchResponse response;
  const grpc::Status status = Call(&v1::Heap::Stub::Batch, batch, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.succeeded(), 3) << response.DebugString();
  EXPECT_EQ(response.results(0).get_referent().handle(), list);
  EXPECT_EQ(response.results(1).link().replaced(), holder);
  EXPECT_EQ(response.results(2).unlink().released(), list);
  EXPECT_EQ(Inspect(list).items_size(), 0);
  EXPECT_EQ(Inspect(list).session_references(), 2);
  ExpectValid();
}

TEST_F(ReferentTest, WeakRefToAnExistingObject) {
  const uint64_t a = Allocate(v1::OBJECT);
  v1::CreateWeakRefRequest create;
  create.set_session_id(session_);
  create.set_handle(a);
  v1::CreateWeakRefResponse made;
  grpc::Status status = Call(&v1::Heap::Stub::CreateWeakRef, create, &made);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(Inspect(a).weakref_count(), 1);

  // The same in a Batch, naming an object the batch allocates.
  v1::BatchRequest batch;
  batch.set_session_id(session_);
  batch.add_operations()->mutable_allocate()->set_type(v1::LIST);
  v1::BatchCreateWeakRef* weak =
      batch.add_operations()->mutable_create_weakref();
  weak->mutable_object()->mutable_result()->set_op(0);
  weak->set_callback(true);
  v1::BatchResponse batched;
  status = Call(&v1::Heap::Stub::Batch, batch, &batched);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(batched.succeeded(), 2) << batched.DebugString();
  EXPECT_NE(batched.results(1).create_weakref().weakref_id(), 0u);

  v1::ReadWeakRefRequest read;
  read.set_session_id(session_);
  read.set_weakref_id(made.weakref_id());
  v1::ReadWeakRefResponse got;
  status = Call(&v1::Heap::Stub::ReadWeakRef, read, &got);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(got.handle(), a);
  EXPECT_EQ(got.type(), v1::OBJECT);
  EXPECT_EQ(got.session_references(), 2);

  // Bob may neither make one to Alice's object nor see it through hers.
  bearer_token_ = kBobToken;
  const std::string alice_session = session_;
  session_ = OpenSession();
  create.set_session_id(session_);
  status = Call(&v1::Heap::Stub::CreateWeakRef, create, &made);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  read.set_session_id(session_);
  status = Call(&v1::Heap::Stub::ReadWeakRef, read, &got);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(got.handle(), 0u) << "another identity's referent reads as dead";
  bearer_token_ = kAliceToken;
  session_ = alice_session;
  read.set_session_id(session_);

  for (int i = 0; i < 2; ++i) {
    v1::DecRefRequest drop;
    drop.set_session_id(session_);
    drop.set_handle(a);
    v1::DecRefResponse dropped;
    ASSERT_TRUE(Call(&v1::Heap::Stub::DecRef, drop, &dropped).ok());
  }
  status = Call(&v1::Heap::Stub::ReadWeakRef, read, &got);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(got.handle(), 0u) << "dead: r() is None";
  read.set_weakref_id(0x5eedULL);
  status = Call(&v1::Heap::Stub::ReadWeakRef, read, &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  create.set_session_id(session_);
  create.set_handle(kMadeUpHandle);
  status = Call(&v1::Heap::Stub::CreateWeakRef, create, &made);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  ExpectValid();
}

TEST_F(ReferentTest, BadInputGetsItsStatusAndChangesNothing) {
  const uint64_t holder = Allocate(v1::OBJECT);
  const uint64_t list = Allocate(v1::LIST);
  const uint64_t atom = Allocate(v1::FLOAT);
  LinkOk(holder, list, [](v1::LinkRequest* r) { r->set_field("items"); });
  LinkOk(list, atom, [](v1::LinkRequest* r) { r->set_append(true); });

  const std::string alice_session = session_;
  bearer_token_ = kBobToken;
  const std::string bob_session = OpenSession();
  session_ = bob_session;
  const uint64_t bobs = Allocate(v1::LIST);
  bearer_token_ = kAliceToken;
  session_ = alice_session;

  auto picture = [&] {
    return absl::StrCat(
        FreshStats().objects().DebugString(), Inspect(holder).DebugString(),
        Inspect(list).DebugString(), Inspect(atom).DebugString());
  };
  const std::string before = picture();

  struct Case {
    std::string what;
    std::function<grpc::Status()> call;
    grpc::StatusCode code;
  };
  auto set_item = [&](uint64_t source, int64_t index, uint64_t target) {
    return [=, this] {
      v1::LinkResponse response;
      return SetItem(source, index, target, &response);
    };
  };
  auto delete_item = [&](uint64_t source, int64_t index) {
    return [=, this] {
      v1::UnlinkResponse response;
      return DeleteItem(source, index, &response);
    };
  };
  auto get = [&](v1::GetReferentRequest request) {
    return [=, this] {
      v1::GetReferentResponse response;
      return Call(&v1::Heap::Stub::GetReferent, request, &response);
    };
  };
  auto get_index = [&](uint64_t source, int64_t index) {
    v1::GetReferentRequest request = Referent(source);
    request.set_index(index);
    return get(request);
  };
  auto get_field = [&](uint64_t source, const std::string& field) {
    v1::GetReferentRequest request = Referent(source);
    request.set_field(field);
    return get(request);
  };
  v1::GetReferentRequest no_slot = Referent(holder);
  v1::GetReferentRequest unknown_session = Referent(holder);
  unknown_session.set_session_id("no-such-session");
  unknown_session.set_field("items");
  v1::GetReferentRequest bobs_session = Referent(holder);
  bobs_session.set_session_id(bob_session);
  bobs_session.set_field("items");

  using grpc::StatusCode;
  const std::vector<Case> cases = {
      {"xs[1] = x", set_item(list, 1, holder), StatusCode::OUT_OF_RANGE},
      {"xs[-2] = x", set_item(list, -2, holder), StatusCode::OUT_OF_RANGE},
      {"del xs[1]", delete_item(list, 1), StatusCode::OUT_OF_RANGE},
      {"xs[5]", get_index(list, 5), StatusCode::OUT_OF_RANGE},
      {"obj[0] = x", set_item(holder, 0, list),
       StatusCode::FAILED_PRECONDITION},
      {"del obj[0]", delete_item(holder, 0), StatusCode::FAILED_PRECONDITION},
      {"float[0]", get_index(atom, 0), StatusCode::FAILED_PRECONDITION},
      {"obj.missing", get_field(holder, "missing"),
       StatusCode::FAILED_PRECONDITION},
      {"xs.field", get_field(list, "f"), StatusCode::FAILED_PRECONDITION},
      {"no slot", get(no_slot), StatusCode::INVALID_ARGUMENT},
      {"made-up list", set_item(kMadeUpHandle, 0, holder),
       StatusCode::NOT_FOUND},
      {"made-up target", set_item(list, 0, kMadeUpHandle),
       StatusCode::NOT_FOUND},
      {"made-up source", get_index(kMadeUpHandle, 0), StatusCode::NOT_FOUND},
      {"bob's list", set_item(bobs, 0, holder), StatusCode::NOT_FOUND},
      {"bob's target", set_item(list, 0, bobs), StatusCode::NOT_FOUND},
      {"del bob's[0]", delete_item(bobs, 0), StatusCode::NOT_FOUND},
      {"bob's[0]", get_index(bobs, 0), StatusCode::NOT_FOUND},
      {"unknown session", get(unknown_session), StatusCode::NOT_FOUND},
      {"bob's session", get(bobs_session), StatusCode::PERMISSION_DENIED},
  };
  for (const Case& c : cases) {
    const grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), c.code)
        << c.what << ": " << Describe(status);
    EXPECT_FALSE(status.error_message().empty()) << c.what;
  }
  EXPECT_EQ(picture(), before);
  ExpectValid();
}

}  // namespace
}  // namespace heapd
