// GrpcMetrics: every RPC's start, end, status code, messages and latency,
// counted by a server interceptor under go-grpc-prometheus's names:
//
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_msg_received_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_msg_sent_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}
//
// grpc_code is Go's spelling of the code ("OK", "NotFound", ...), as
// go-grpc-prometheus's dashboards expect. Latency runs from the call's
// start (the interceptor's creation) to its status being sent.
//
// Methods are fixed at construction, so labels never grow with what
// clients send; calls to any other method are not counted. Counting is a
// few relaxed atomic adds per call.
//
// Threads: the interceptors count from gRPC's threads; Collect from any
// thread at any time.
//
// Example:
//   auto metrics = std::make_shared<GrpcMetrics>(GrpcMetrics::HeapdMethods());
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> factories;
//   factories.push_back(metrics->InterceptorFactory());
//   builder.experimental().SetInterceptorCreators(std::move(factories));
#ifndef HEAPD_SERVER_METRICS_GRPC_METRICS_H_
#define HEAPD_SERVER_METRICS_GRPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace heapd::server::metrics {

struct GrpcMethod {
  std::string full_name;  // "/heapd.v1.Heap/Allocate"
  std::string type;       // unary, client_stream, server_stream, bidi_stream
};

class GrpcMetrics : public prometheus::Collectable {
 public:
  static constexpr int kNumCodes = 17;

  // heapd.v1.Heap's methods, the health service's and reflection's.
  static std::vector<GrpcMethod> HeapdMethods();

  explicit GrpcMetrics(const std::vector<GrpcMethod>& methods);
  GrpcMetrics(const GrpcMetrics&) = delete;
  GrpcMetrics& operator=(const GrpcMetrics&) = delete;

  // A factory of interceptors that count into this; it must not outlive
  // this.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  std::vector<prometheus::MetricFamily> Collect() const override;

  // What the interceptors count, per method row. Public for them.
  struct Row {
    GrpcMethod method;
    std::string service_name, method_name;
    std::atomic<uint64_t> started{0};
    std::atomic<uint64_t> handled[kNumCodes] = {};
    std::atomic<uint64_t> received{0};
    std::atomic<uint64_t> sent{0};
    // Per LatencyBoundsSeconds() bound and one for +Inf; not cumulative.
    std::unique_ptr<std::atomic<uint64_t>[]> latency;
    std::atomic<uint64_t> latency_sum_ns{0};
  };
  // The row of `full_name`, or null.
  Row* Find(const char* full_name);
  // One finished call of `row`.
  void Handled(Row& row, int code, int64_t elapsed_ns);

 private:
  std::vector<std::unique_ptr<Row>> rows_;
  absl::flat_hash_map<std::string, Row*> by_name_;
};

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_GRPC_METRICS_H_
