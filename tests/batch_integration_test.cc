// End-to-end tests of heapd's Batch RPC against the real heapd binary on a
// free loopback port over real gRPC: result references, the classic cycle
// built and collected in one call, per-operation errors, stopping and
// continuing after a failure, the size limits, unknown sessions, and the
// batch yielding the interpreter lock to a concurrent request. Every wait is
// bounded (RPC deadlines, start and exit timeouts).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "proto/heap.pb.h"
#include "tests/batch_request_builders.h"
#include "tests/heapd_process.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;

constexpr std::chrono::seconds kRpcTimeout(30);

constexpr int kOk = 0;
constexpr int kInvalidArgument = 3;
constexpr int kNotFound = 5;
constexpr int kResourceExhausted = 8;

class BatchTest : public HeapdTest {
 protected:
  void SetUp() override { Start({}); }

  BatchTest() : HeapdTest(kRpcTimeout) {}

  grpc::Status Batch(const std::string& session, v1::BatchRequest request,
                     v1::BatchResponse* response) {
    request.set_session_id(session);
    return Call(&v1::Heap::Stub::Batch, request, response);
  }
};

TEST_F(BatchTest, BuildsTheClassicCycleAndCollectsIt) {
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  AddAllocate(&batch, v1::OBJECT, 2);                       // 0: a, b
  AddLinkField(&batch, Result(0, 0), Result(0, 1), "ref");  // 1: a.ref = b
  AddLinkField(&batch, Result(0, 1), Result(0, 0), "ref");  // 2: b.ref = a
  AddDecRef(&batch, Result(0, 0));                          // 3: del a
  AddDecRef(&batch, Result(0, 1));                          // 4: del b
  AddCollect(&batch);                                       // 5
  v1::BatchResponse response;
  const grpc::Status status = Batch(session, batch, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.results_size(), 6);
  for (const v1::OperationResult& result : response.results()) {
    EXPECT_EQ(result.code(), kOk) << result.message();
  }
  EXPECT_EQ(response.succeeded(), 6);
  EXPECT_EQ(response.failed(), 0);
  EXPECT_EQ(response.skipped(), 0);
  ASSERT_EQ(response.results(0).allocate().objects_size(), 2);
  EXPECT_EQ(response.results(1).link().target_refcount(), 2);
  EXPECT_EQ(response.results(2).link().target_refcount(), 2);
  // Each survives its session's reference only through the cycle.
  EXPECT_EQ(response.results(3).decref().refcount(), 1);
  EXPECT_EQ(response.results(4).decref().refcount(), 1);
  EXPECT_EQ(response.results(4).decref().objects_freed(), 0);
  EXPECT_EQ(response.results(5).collect().collected(), 2);
}

// The slow log says how many operations a batch carried.
TEST_F(BatchTest, TheSlowLogCountsABatchsOperations) {
  Start({"--slowlog_threshold_us=0"});
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  AddAllocate(&batch, v1::OBJECT, 2);
  AddLinkField(&batch, Result(0, 0), Result(0, 1), "ref");
  AddDecRef(&batch, Result(0, 0));
  AddDecRef(&batch, Result(0, 1));
  AddCollect(&batch);
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(session, batch, &response).ok());
  v1::StatsRequest request;
  request.add_sections(v1::SLOWLOG);
  v1::StatsResponse stats;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Stats, request, &stats).ok());
  ASSERT_GE(stats.slowlog_size(), 1);
  EXPECT_EQ(stats.slowlog(0).method(), "Batch");
  EXPECT_EQ(stats.slowlog(0).operations(), 5);
}

// errors_only: the answer carries the counts and the failed operations,
// each with its index; references between operations still work.
TEST_F(BatchTest, ErrorsOnlyAnswersWithTheFailuresAlone) {
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  batch.set_errors_only(true);
  batch.set_continue_on_error(true);
  AddAllocate(&batch, v1::OBJECT, 2);                       // 0
  AddLinkField(&batch, Result(0, 0), Result(0, 1), "ref");  // 1
  AddDecRef(&batch, Result(0, 0));                          // 2
  AddDecRef(&batch, Result(0, 0));                          // 3: freed
  AddDecRef(&batch, Result(0, 1));                          // 4
  v1::BatchResponse response;
  ASSERT_TRUE(Batch(session, batch, &response).ok());
  EXPECT_EQ(response.succeeded(), 4);
  EXPECT_EQ(response.failed(), 1);
  ASSERT_EQ(response.results_size(), 1);
  EXPECT_EQ(response.results(0).index(), 3u);
  EXPECT_EQ(response.results(0).code(), 5);  // NOT_FOUND: a was freed
}

TEST_F(BatchTest, LaterOperationsNameEarlierResultsAndTheSessionOwnsThem) {
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  AddAllocate(&batch, v1::LIST, 1);                                // 0: l
  AddAllocate(&batch, v1::INT, 2, 10);                             // 1: x, y
  v1::BatchLink* append = batch.add_operations()->mutable_link();  // 2
  *append->mutable_source() = Result(0, 0);
  *append->mutable_target() = Result(1, 1);
  append->set_append(true);
  AddIncRef(&batch, Result(1, 1));  // 3: y, again
  v1::BatchResponse response;
  grpc::Status status = Batch(session, batch, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.results_size(), 4);
  EXPECT_EQ(response.succeeded(), 4);
  const uint64_t y = response.results(1).allocate().objects(1).handle();
  EXPECT_EQ(response.results(2).link().target_refcount(), 2);
  EXPECT_EQ(response.results(3).incref().refcount(), 3);
  EXPECT_EQ(response.results(3).incref().session_references(), 2);

  // The same object by handle, as the single RPCs see it.
  v1::InspectRequest inspect;
  inspect.set_session_id(session);
  inspect.set_handle(y);
  v1::InspectResponse info;
  status = Call(&v1::Heap::Stub::Inspect, inspect, &info);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(info.object().refcount(), 3);
  EXPECT_EQ(info.object().session_references(), 2);

  // What the batch took belongs to the session: l, x, and y twice.
  v1::CloseSessionRequest close;
  close.set_session_id(session);
  v1::CloseSessionResponse closed;
  status = Call(&v1::Heap::Stub::CloseSession, close, &closed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(closed.references_released(), 4);
  EXPECT_EQ(closed.objects_freed(), 3);
}

TEST_F(BatchTest, AFailedOperationStopsTheBatchUnlessContinueOnError) {
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  AddAllocate(&batch, v1::OBJECT, 1);    // 0
  AddDecRef(&batch, Handle(987654321));  // 1: no such object
  AddIncRef(&batch, Result(0, 0));       // 2
  AddIncRef(&batch, Result(0, 0));       // 3

  v1::BatchResponse stopped;
  grpc::Status status = Batch(session, batch, &stopped);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(stopped.results_size(), 2);
  EXPECT_EQ(stopped.results(0).code(), kOk);
  EXPECT_EQ(stopped.results(1).code(), kNotFound);
  EXPECT_FALSE(stopped.results(1).message().empty());
  EXPECT_EQ(stopped.results(1).result_case(),
            v1::OperationResult::RESULT_NOT_SET);
  EXPECT_EQ(stopped.succeeded(), 1);
  EXPECT_EQ(stopped.failed(), 1);
  EXPECT_EQ(stopped.skipped(), 2);

  batch.set_continue_on_error(true);
  v1::BatchResponse continued;
  status = Batch(session, batch, &continued);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(continued.results_size(), 4);
  EXPECT_EQ(continued.results(1).code(), kNotFound);
  EXPECT_EQ(continued.results(2).code(), kOk);
  EXPECT_EQ(continued.results(3).code(), kOk);
  EXPECT_EQ(continued.results(3).incref().session_references(), 3);
  EXPECT_EQ(continued.succeeded(), 3);
  EXPECT_EQ(continued.failed(), 1);
  EXPECT_EQ(continued.skipped(), 0);
}

TEST_F(BatchTest, BadResultReferencesAreInvalidArgumentPerOperation) {
  const std::string session = OpenSession();
  v1::BatchRequest batch;
  batch.set_continue_on_error(true);
  AddAllocate(&batch, v1::INT, 2, 5);        // 0: ok
  AddIncRef(&batch, Result(1, 0));           // 1: itself
  AddIncRef(&batch, Result(7, 0));           // 2: a later operation
  AddIncRef(&batch, Result(0, 2));           // 3: past op 0's two objects
  AddDecRef(&batch, Handle(987654321));      // 4: fails (NOT_FOUND)
  AddIncRef(&batch, Result(4, 0));           // 5: an operation that failed
  AddCollect(&batch);                        // 6: ok, allocates nothing
  AddIncRef(&batch, Result(6, 0));           // 7: an operation with no objects
  batch.add_operations()->mutable_incref();  // 8: no reference at all
  batch.add_operations();                    // 9: no operation at all
  AddIncRef(&batch, Result(0, 1));           // 10: ok
  v1::BatchResponse response;
  const grpc::Status status = Batch(session, batch, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.results_size(), 11);
  const int expected[] = {kOk,
                          kInvalidArgument,
                          kInvalidArgument,
                          kInvalidArgument,
                          kNotFound,
                          kInvalidArgument,
                          kOk,
                          kInvalidArgument,
                          kInvalidArgument,
                          kInvalidArgument,
                          kOk};
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(response.results(i).code(), expected[i])
        << "operation " << i << ": " << response.results(i).message();
  }
  EXPECT_THAT(response.results(2).message(), HasSubstr("earlier operation"));
  EXPECT_THAT(response.results(5).message(), HasSubstr("failed"));
  EXPECT_THAT(response.results(7).message(), HasSubstr("no objects"));
  EXPECT_EQ(response.succeeded(), 3);
  EXPECT_EQ(response.failed(), 8);
  EXPECT_EQ(response.skipped(), 0);
  EXPECT_EQ(response.results(10).incref().session_references(), 2);
}

TEST_F(BatchTest, LimitsOnTheBatchAndOnEachAllocate) {
  Start({"--max_batch=4", "--max_allocate_count=5"});
  const std::string session = OpenSession();

  v1::BatchRequest oversize;
  for (int i = 0; i < 5; ++i) AddCollect(&oversize);
  v1::BatchResponse response;
  grpc::Status status = Batch(session, oversize, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("--max_batch"));

  v1::BatchRequest fits;
  AddAllocate(&fits, v1::OBJECT, 5);
  AddAllocate(&fits, v1::OBJECT, 6);  // over --max_allocate_count
  AddCollect(&fits);
  AddCollect(&fits);
  status = Batch(session, fits, &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(response.results_size(), 2);
  EXPECT_EQ(response.results(0).allocate().objects_size(), 5);
  EXPECT_EQ(response.results(1).code(), kResourceExhausted);
  EXPECT_THAT(response.results(1).message(), HasSubstr("--max_allocate_count"));
  EXPECT_EQ(response.skipped(), 2);
}

TEST_F(BatchTest, AnEmptyBatchIsAnEmptyResponse) {
  const std::string session = OpenSession();
  v1::BatchResponse response;
  const grpc::Status status = Batch(session, v1::BatchRequest(), &response);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(response.results_size(), 0);
  EXPECT_EQ(response.succeeded(), 0);
  EXPECT_EQ(response.failed(), 0);
  EXPECT_EQ(response.skipped(), 0);
  EXPECT_EQ(response.lock_yields(), 0);
}

TEST_F(BatchTest, AnUnknownSessionIsNotFoundForTheWholeCall) {
  v1::BatchRequest batch;
  AddAllocate(&batch, v1::OBJECT, 1);
  v1::BatchResponse response;
  const grpc::Status status =
      Batch("00000000000000000000000000000000", batch, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << Describe(status);
  EXPECT_EQ(response.results_size(), 0);
}

// A long batch lets a concurrent request in at its safe points. A helper
// thread keeps one IncRef/DecRef pair in flight from before the batch starts
// until it ends; with a 1 ms switch interval each of those waits at most
// about a millisecond before asking the batch to drop the lock. The batch is
// repeated (a bounded number of times) only in case it ran entirely before
// the helper's first request arrived.
TEST_F(BatchTest, ALongBatchYieldsTheLockToConcurrentRequests) {
  Start({"--switch_interval_ms=1"});
  const std::string session = OpenSession();
  const std::string other = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(other);
  allocate.set_type(v1::OBJECT);
  v1::AllocateResponse allocated;
  grpc::Status status = Call(&v1::Heap::Stub::Allocate, allocate, &allocated);
  ASSERT_TRUE(status.ok()) << Describe(status);
  const uint64_t object = allocated.objects(0).handle();

  v1::BatchRequest batch;
  AddAllocate(&batch, v1::OBJECT, 1);
  while (batch.operations_size() < 10000) {
    AddAllocate(&batch, v1::LIST, 4);
    AddIncRef(&batch, Result(0, 0));
    AddDecRef(&batch, Result(0, 0));
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> concurrent_calls{0};
  std::atomic<int64_t> helper_errors{0};
  std::thread helper([&] {
    v1::IncRefRequest incref;
    incref.set_session_id(other);
    incref.set_handle(object);
    v1::DecRefRequest decref;
    decref.set_session_id(other);
    decref.set_handle(object);
    while (!stop.load()) {
      v1::IncRefResponse increfed;
      v1::DecRefResponse decrefed;
      if (!Call(&v1::Heap::Stub::IncRef, incref, &increfed).ok() ||
          !Call(&v1::Heap::Stub::DecRef, decref, &decrefed).ok()) {
        helper_errors.fetch_add(1);
        return;
      }
      concurrent_calls.fetch_add(1);
    }
  });
  // The helper is running before the batch is sent.
  for (int i = 0; i < 5000 && concurrent_calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  int64_t lock_yields = 0;
  for (int attempt = 0; attempt < 5 && lock_yields == 0; ++attempt) {
    v1::BatchResponse response;
    status = Batch(session, batch, &response);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(response.succeeded(), batch.operations_size());
    EXPECT_EQ(response.failed(), 0);
    lock_yields = response.lock_yields();
  }
  stop.store(true);
  helper.join();
  RecordProperty("lock_yields", static_cast<int>(lock_yields));
  RecordProperty("concurrent_calls", static_cast<int>(concurrent_calls.load()));
  EXPECT_EQ(helper_errors.load(), 0);
  EXPECT_GT(concurrent_calls.load(), 0);
  EXPECT_GT(lock_yields, 0);
}

}  // namespace
}  // namespace heapd
