#include "server/methods.h"

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"

namespace heapd::server {
namespace {

const google::protobuf::ServiceDescriptor& HeapService() {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::Heap::service_full_name());
  EXPECT_NE(service, nullptr) << v1::Heap::service_full_name();
  return *service;
}

TEST(MethodsTest, EveryProtoMethodHasARow) {
  const google::protobuf::ServiceDescriptor& service = HeapService();
  std::set<std::string> in_table;
  for (const MethodRow& row : kMethods) in_table.insert(std::string(row.name));
  for (int i = 0; i < service.method_count(); ++i) {
    EXPECT_EQ(in_table.count(service.method(i)->name()), 1u)
        << service.method(i)->name() << " is in proto/heap.proto but has "
        << "no row in server/methods.h";
  }
}

TEST(MethodsTest, EveryRowIsAProtoMethod) {
  const google::protobuf::ServiceDescriptor& service = HeapService();
  EXPECT_EQ(static_cast<size_t>(service.method_count()), kNumMethods);
  for (const MethodRow& row : kMethods) {
    EXPECT_NE(service.FindMethodByName(std::string(row.name)), nullptr)
        << row.name << " has a row in server/methods.h but is no method of "
        << v1::Heap::service_full_name();
  }
}

// A request kind labels a unary call's hold; a stream is served without the
// lock.
TEST(MethodsTest, StreamsNeverTakeTheLock) {
  const google::protobuf::ServiceDescriptor& service = HeapService();
  for (const MethodRow& row : kMethods) {
    const google::protobuf::MethodDescriptor* method =
        service.FindMethodByName(std::string(row.name));
    if (method == nullptr) continue;  // EveryRowIsAProtoMethod says so
    const bool streams =
        method->client_streaming() || method->server_streaming();
    EXPECT_EQ(streams, row.lock == LockUse::kNever) << row.name;
  }
}

TEST(MethodsTest, NamesAreInMethodOrder) {
  const std::vector<std::string> names = MethodNames();
  ASSERT_EQ(names.size(), kNumMethods);
  EXPECT_EQ(names.front(), "Ping");
  EXPECT_EQ(names[static_cast<size_t>(Method::kBatch)], "Batch");
  EXPECT_EQ(names.back(), "Verify");
}

TEST(MethodsTest, KindsAreRegisteredInRowOrder) {
  gil::InterpreterLock lock;
  const MethodKinds kinds = MethodKinds::Register(lock);
  EXPECT_EQ(kinds.of(Method::kOpenSession).id() + 1,
            kinds.of(Method::kCloseSession).id());
  EXPECT_LT(kinds.of(Method::kStats).id(), kinds.of(Method::kPing).id());
  // The same names give the same kinds.
  EXPECT_EQ(lock.RegisterKind("Verify"), kinds.of(Method::kVerify));
  EXPECT_EQ(lock.RegisterKind("Allocate"), kinds.of(Method::kAllocate));
}

}  // namespace
}  // namespace heapd::server
