#include "server/rpc_counters.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace heapd::server {
namespace {

TEST(RpcCountersTest, CountsCallsAndErrorsByMethodAndCode) {
  RpcCounters counters({"Ping", "Inspect"});
  counters.Count(1, 0);
  counters.Count(1, 5);  // NOT_FOUND
  counters.Count(1, 5);
  counters.Count(1, 99);  // not a canonical code: UNKNOWN
  std::vector<MethodCounts> rows = counters.Read();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].method, "Ping");
  EXPECT_EQ(rows[0].calls, 0);
  EXPECT_TRUE(rows[0].errors.empty());
  EXPECT_EQ(rows[1].calls, 4);
  ASSERT_EQ(rows[1].errors.size(), 2u);
  EXPECT_EQ(rows[1].errors[0].code, 2);
  EXPECT_EQ(rows[1].errors[0].code_name, "UNKNOWN");
  EXPECT_EQ(rows[1].errors[1].code, 5);
  EXPECT_EQ(rows[1].errors[1].code_name, "NOT_FOUND");
  EXPECT_EQ(rows[1].errors[1].count, 2);
}

TEST(RpcCountersTest, ConcurrentCountsAreNotLost) {
  RpcCounters counters({"Ping"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) counters.Count(0, 0);
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counters.Read()[0].calls, 40000);
}

}  // namespace
}  // namespace heapd::server
