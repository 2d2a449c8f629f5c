#include "server/rpc_counters.h"

#include <utility>

#include "absl/status/status.h"

namespace heapd::server {

RpcCounters::RpcCounters(std::vector<std::string> methods)
    : methods_(std::move(methods)), rows_(new Row[methods_.size()]) {}

void RpcCounters::Count(int method, int code) {
  if (code < 0 || code >= kNumCodes) code = 2;  // UNKNOWN
  Row& row = rows_[method];
  row.calls.fetch_add(1, std::memory_order_relaxed);
  row.by_code[code].fetch_add(1, std::memory_order_relaxed);
}

std::vector<MethodCounts> RpcCounters::Read() const {
  std::vector<MethodCounts> out;
  out.reserve(methods_.size());
  for (size_t m = 0; m < methods_.size(); ++m) {
    const Row& row = rows_[m];
    MethodCounts counts;
    counts.method = methods_[m];
    counts.calls = row.calls.load(std::memory_order_relaxed);
    for (int code = 1; code < kNumCodes; ++code) {
      const int64_t n = row.by_code[code].load(std::memory_order_relaxed);
      if (n == 0) continue;
      counts.errors.push_back(
          {code, absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
           n});
    }
    out.push_back(std::move(counts));
  }
  return out;
}

}  // namespace heapd::server
