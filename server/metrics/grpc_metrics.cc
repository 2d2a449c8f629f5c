#include "server/metrics/grpc_metrics.h"

#include <google/protobuf/descriptor.h>

#include <chrono>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/heap.grpc.pb.h"
#include "server/metrics/cumulative_buckets.h"

namespace heapd::server::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Go's codes.Code.String(), by code.
constexpr const char* kCodeNames[GrpcMetrics::kNumCodes] = {
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
};

using Clock = std::chrono::steady_clock;

class CountingInterceptor : public grpc::experimental::Interceptor {
 public:
  CountingInterceptor(GrpcMetrics& metrics, GrpcMetrics::Row& row)
      : metrics_(metrics), row_(row), started_(Clock::now()) {
    row_.started.fetch_add(1, std::memory_order_relaxed);
  }
  ~CountingInterceptor() override {
    // A call that ended without a status (the client went away).
    if (!handled_) Finish(grpc::StatusCode::CANCELLED);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE)) {
      row_.received.fetch_add(1, std::memory_order_relaxed);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      row_.sent.fetch_add(1, std::memory_order_relaxed);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS) &&
        !handled_) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Finish(int code) {
    handled_ = true;
    metrics_.Handled(row_, code,
                     std::chrono::duration_cast<std::chrono::nanoseconds>(
                         Clock::now() - started_)
                         .count());
  }

  GrpcMetrics& metrics_;
  GrpcMetrics::Row& row_;
  const Clock::time_point started_;
  bool handled_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(GrpcMetrics& metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    GrpcMetrics::Row* row = metrics_.Find(info->method());
    if (row == nullptr) return nullptr;
    return new CountingInterceptor(metrics_, *row);
  }

 private:
  GrpcMetrics& metrics_;
};

std::string TypeOf(bool client_streaming, bool server_streaming) {
  if (client_streaming && server_streaming) return "bidi_stream";
  if (client_streaming) return "client_stream";
  if (server_streaming) return "server_stream";
  return "unary";
}

}  // namespace

std::vector<GrpcMethod> GrpcMetrics::HeapdMethods() {
  std::vector<GrpcMethod> methods;
  const google::protobuf::ServiceDescriptor* heap =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          v1::Heap::service_full_name());
  for (int i = 0; i < heap->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = heap->method(i);
    methods.push_back({absl::StrCat("/", heap->full_name(), "/", m->name()),
                       TypeOf(m->client_streaming(), m->server_streaming())});
  }
  methods.push_back({"/grpc.health.v1.Health/Check", "unary"});
  methods.push_back({"/grpc.health.v1.Health/Watch", "server_stream"});
  methods.push_back(
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
       "bidi_stream"});
  return methods;
}

GrpcMetrics::GrpcMetrics(const std::vector<GrpcMethod>& methods) {
  const size_t buckets = LatencyBoundsSeconds().size() + 1;
  for (const GrpcMethod& method : methods) {
    auto row = std::make_unique<Row>();
    row->method = method;
    // "/pkg.Service/Method"
    const size_t slash = method.full_name.rfind('/');
    row->service_name = method.full_name.substr(1, slash - 1);
    row->method_name = method.full_name.substr(slash + 1);
    row->latency = std::make_unique<std::atomic<uint64_t>[]>(buckets);
    for (size_t b = 0; b < buckets; ++b) row->latency[b] = 0;
    by_name_[method.full_name] = row.get();
    rows_.push_back(std::move(row));
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
GrpcMetrics::InterceptorFactory() {
  return std::make_unique<Factory>(*this);
}

GrpcMetrics::Row* GrpcMetrics::Find(const char* full_name) {
  if (full_name == nullptr) return nullptr;
  auto it = by_name_.find(absl::string_view(full_name));
  return it == by_name_.end() ? nullptr : it->second;
}

void GrpcMetrics::Handled(Row& row, int code, int64_t elapsed_ns) {
  if (code < 0 || code >= kNumCodes) code = 2;  // UNKNOWN
  if (elapsed_ns < 0) elapsed_ns = 0;
  row.handled[code].fetch_add(1, std::memory_order_relaxed);
  const std::vector<double>& bounds = LatencyBoundsSeconds();
  const double seconds = static_cast<double>(elapsed_ns) * 1e-9;
  size_t b = 0;
  while (b < bounds.size() && seconds > bounds[b]) ++b;
  row.latency[b].fetch_add(1, std::memory_order_relaxed);
  row.latency_sum_ns.fetch_add(static_cast<uint64_t>(elapsed_ns),
                               std::memory_order_relaxed);
}

std::vector<MetricFamily> GrpcMetrics::Collect() const {
  std::vector<MetricFamily> out(5);
  out[0] = {"grpc_server_started_total",
            "RPCs started on the server.",
            MetricType::Counter,
            {}};
  out[1] = {"grpc_server_handled_total",
            "RPCs completed on the server, by status code.",
            MetricType::Counter,
            {}};
  out[2] = {"grpc_server_msg_received_total",
            "Messages received from clients (one per unary request).",
            MetricType::Counter,
            {}};
  out[3] = {"grpc_server_msg_sent_total",
            "Messages sent to clients (one per unary response).",
            MetricType::Counter,
            {}};
  out[4] = {"grpc_server_handling_seconds",
            "Time from an RPC's start to its status, by method.",
            MetricType::Histogram,
            {}};
  const std::vector<double>& bounds = LatencyBoundsSeconds();
  for (const std::unique_ptr<Row>& row : rows_) {
    const std::vector<ClientMetric::Label> labels = {
        {"grpc_method", row->method_name},
        {"grpc_service", row->service_name},
        {"grpc_type", row->method.type}};
    auto add = [&labels](MetricFamily& family, double value) {
      ClientMetric& metric = family.metric.emplace_back();
      metric.label = labels;
      metric.counter.value = value;
    };
    add(out[0], row->started.load(std::memory_order_relaxed));
    for (int code = 0; code < kNumCodes; ++code) {
      const uint64_t n = row->handled[code].load(std::memory_order_relaxed);
      if (n == 0 && code != 0) continue;
      ClientMetric& metric = out[1].metric.emplace_back();
      metric.label = labels;
      metric.label.insert(metric.label.begin(),
                          ClientMetric::Label{"grpc_code", kCodeNames[code]});
      metric.counter.value = static_cast<double>(n);
    }
    add(out[2], row->received.load(std::memory_order_relaxed));
    add(out[3], row->sent.load(std::memory_order_relaxed));
    ClientMetric& latency = out[4].metric.emplace_back();
    latency.label = labels;
    uint64_t running = 0;
    for (size_t b = 0; b <= bounds.size(); ++b) {
      running += row->latency[b].load(std::memory_order_relaxed);
      latency.histogram.bucket.push_back(
          {running, b < bounds.size()
                        ? bounds[b]
                        : std::numeric_limits<double>::infinity()});
    }
    latency.histogram.sample_count = running;
    latency.histogram.sample_sum = static_cast<double>(row->latency_sum_ns.load(
                                       std::memory_order_relaxed)) *
                                   1e-9;
  }
  return out;
}

}  // namespace heapd::server::metrics
