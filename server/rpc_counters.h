// RpcCounters: calls and their failures, by method and status code.
//
// Each method has its own row of atomic counters, fixed when the counters
// are built, so counting a call is two relaxed atomic adds with no lock and
// no lookup by name: the hot path of every RPC pays only that.
//
// Codes are the canonical ones, 0 (OK) to 16 (UNAUTHENTICATED), shared by
// absl::StatusCode and grpc::StatusCode; anything else counts as UNKNOWN.
//
// Threads: Count from any thread; Read from any thread (a read during
// counting may miss the latest calls, never tears a counter).
//
// Example:
//   RpcCounters counters({"Ping", "Stats"});
//   counters.Count(0, /*code=*/0);  // a Ping that succeeded
//   std::vector<MethodCounts> rows = counters.Read();
#ifndef HEAPD_SERVER_RPC_COUNTERS_H_
#define HEAPD_SERVER_RPC_COUNTERS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace heapd::server {

struct CodeCount {
  int code = 0;
  std::string code_name;  // "NOT_FOUND"
  int64_t count = 0;
};

struct MethodCounts {
  std::string method;
  int64_t calls = 0;
  // Codes other than OK with a non-zero count, in code order.
  std::vector<CodeCount> errors;
};

class RpcCounters {
 public:
  static constexpr int kNumCodes = 17;

  explicit RpcCounters(std::vector<std::string> methods);
  RpcCounters(const RpcCounters&) = delete;
  RpcCounters& operator=(const RpcCounters&) = delete;

  // One call of methods[method] that finished with `code`.
  // REQUIRES: 0 <= method < number of methods.
  void Count(int method, int code);

  // One row per method, in construction order, including methods not
  // called yet.
  std::vector<MethodCounts> Read() const;

 private:
  struct Row {
    std::atomic<int64_t> calls{0};
    std::atomic<int64_t> by_code[kNumCodes] = {};
  };
  const std::vector<std::string> methods_;
  const std::unique_ptr<Row[]> rows_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_RPC_COUNTERS_H_
