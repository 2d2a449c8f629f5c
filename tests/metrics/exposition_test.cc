// The metric families of a known snapshot, the histogram conversion, the
// gRPC counters and the two exposition formats.
#include "server/metrics/exposition.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heap/gil/latency_histogram.h"
#include "server/metrics/cumulative_buckets.h"
#include "server/metrics/grpc_metrics.h"
#include "server/metrics/heapd_families.h"
#include "tests/metrics/known_input.h"

namespace heapd::testing {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using server::metrics::Format;
using ::testing::HasSubstr;

const MetricFamily* Find(const std::vector<MetricFamily>& families,
                         const std::string& name) {
  for (const MetricFamily& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// The metric of `family` with label `name`=`value` (or the only one).
const ClientMetric* Metric(const MetricFamily& family, const std::string& name,
                           const std::string& value) {
  for (const ClientMetric& m : family.metric) {
    for (const ClientMetric::Label& l : m.label) {
      if (l.name == name && l.value == value) return &m;
    }
  }
  return nullptr;
}

// The cumulative count of the bucket whose upper bound is `le`.
uint64_t CountAt(const ClientMetric::Histogram& h, double le) {
  for (const ClientMetric::Bucket& b : h.bucket) {
    if (b.upper_bound == le) return b.cumulative_count;
  }
  ADD_FAILURE() << "no bucket le=" << le;
  return 0;
}

TEST(CumulativeBucketsTest, CountsEachValueUnderTheFirstBoundAboveIt) {
  gil::LatencyHistogram h;
  h.RecordZero();
  h.Record(2'000);       // 2 us
  h.Record(30'000'000);  // 30 ms
  const ClientMetric::Histogram p = server::metrics::ToPrometheusHistogram(
      h, 1e-9, server::metrics::LatencyBoundsSeconds());
  EXPECT_EQ(CountAt(p, 1e-6), 1u);
  EXPECT_EQ(CountAt(p, 2.5e-6), 2u);
  EXPECT_EQ(CountAt(p, 0.025), 2u);
  EXPECT_EQ(CountAt(p, 0.05), 3u);
  EXPECT_EQ(CountAt(p, INFINITY), 3u);
  EXPECT_EQ(p.sample_count, 3u);
  EXPECT_NEAR(p.sample_sum, 0.030002, 1e-6);
  ASSERT_EQ(p.bucket.size(),
            server::metrics::LatencyBoundsSeconds().size() + 1);
  for (size_t i = 1; i < p.bucket.size(); ++i) {
    EXPECT_GE(p.bucket[i].cumulative_count, p.bucket[i - 1].cumulative_count);
  }
}

TEST(CumulativeBucketsTest, OverflowCountsOnlyInInf) {
  gil::LatencyHistogram h;
  h.Record(uint64_t{1} << 41);  // past the histogram's range
  const ClientMetric::Histogram p = server::metrics::ToPrometheusHistogram(
      h, 1e-9, server::metrics::LatencyBoundsSeconds());
  EXPECT_EQ(CountAt(p, 10), 0u);
  EXPECT_EQ(CountAt(p, INFINITY), 1u);
}

TEST(HeapdFamiliesTest, EveryFamilyHasHelpAndAType) {
  for (const MetricFamily& f : KnownFamilies()) {
    EXPECT_FALSE(f.help.empty()) << f.name;
    EXPECT_TRUE(f.name.rfind("heapd_", 0) == 0 || f.name.rfind("grpc_", 0) == 0)
        << f.name;
    if (f.type == prometheus::MetricType::Counter) {
      EXPECT_THAT(f.name, ::testing::EndsWith("_total"));
    }
  }
}

TEST(HeapdFamiliesTest, CarriesTheSnapshotsFigures) {
  const std::vector<MetricFamily> families = KnownFamilies();
  const MetricFamily* objects = Find(families, "heapd_objects");
  ASSERT_NE(objects, nullptr);
  ASSERT_NE(Metric(*objects, "type", "int"), nullptr);
  EXPECT_EQ(Metric(*objects, "type", "int")->gauge.value, 42);
  EXPECT_EQ(Metric(*objects, "type", "list")->gauge.value, 5);

  const MetricFamily* gc = Find(families, "heapd_gc_collections_total");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(Metric(*gc, "generation", "0")->counter.value, 7);
  EXPECT_EQ(Metric(*gc, "generation", "1")->counter.value, 2);
  EXPECT_EQ(Metric(*gc, "generation", "2")->counter.value, 1);

  const MetricFamily* blocks = Find(families, "heapd_pymalloc_blocks");
  ASSERT_NE(blocks, nullptr);
  int checked = 0;
  for (const ClientMetric& m : blocks->metric) {
    if (m.label[0].value != "1") continue;
    EXPECT_EQ(m.gauge.value, m.label[1].value == "free" ? 250 : 3);
    ++checked;
  }
  EXPECT_EQ(checked, 2);

  const MetricFamily* info = Find(families, "heapd_build_info");
  ASSERT_NE(info, nullptr);
  EXPECT_NE(Metric(*info, "version", "9.9.9"), nullptr);
  EXPECT_NE(Metric(*info, "layout", "classic"), nullptr);
  EXPECT_NE(Metric(*info, "lock_policy", "cpython"), nullptr);

  const MetricFamily* acquisitions =
      Find(families, "heapd_gil_acquisitions_total");
  ASSERT_NE(acquisitions, nullptr);
  EXPECT_EQ(Metric(*acquisitions, "kind", "Allocate")->counter.value, 10);
  const MetricFamily* wait = Find(families, "heapd_gil_wait_seconds");
  ASSERT_NE(wait, nullptr);
  EXPECT_EQ(Metric(*wait, "kind", "Allocate")->histogram.sample_count, 3u);
  EXPECT_EQ(
      Find(families, "heapd_gil_held_seconds_total")->metric[0].counter.value,
      1.5);
}

TEST(HeapdFamiliesTest, EverySingleFigureHasItsFamily) {
  const std::vector<MetricFamily> families = KnownFamilies();
  const std::pair<const char*, double> figures[] = {
      {"heapd_gil_handoffs_total", 3},
      {"heapd_gil_drop_requests_total", 11},
      {"heapd_gil_forced_switches_total", 12},
      {"heapd_gil_waiters", 13},
      {"heapd_gil_waiters_peak", 14},
      {"heapd_gil_held_seconds_total", 1.5},
      {"heapd_gil_switch_interval_seconds", 0.005},
      {"heapd_watch_streams_open", 15},
      {"heapd_connections_open", 16},
      {"heapd_lock_waiters_rejected_total", 17},
      {"heapd_gc_frozen_objects", 18},
      {"heapd_gc_garbage_objects", 19},
      {"heapd_gc_enabled", 1},
      {"heapd_weakrefs", 20},
      {"heapd_pymalloc_arenas_reclaimed_total", 21},
      {"heapd_pymalloc_arenas_high_water", 22},
      {"heapd_pymalloc_arenas_allocated_total", 3},
      {"heapd_pymalloc_arenas", 1},
      {"heapd_sessions_open", 2},
      {"heapd_sessions_opened_total", 5},
      {"heapd_sessions_closed_total", 2},
      {"heapd_sessions_expired_total", 1},
      {"heapd_heap_max_bytes", 1 << 30},
      {"heapd_start_time_seconds", 1.7e9},
  };
  for (const auto& [name, value] : figures) {
    const MetricFamily* family = Find(families, name);
    ASSERT_NE(family, nullptr) << name;
    ASSERT_EQ(family->metric.size(), 1u) << name;
    const ClientMetric& m = family->metric[0];
    EXPECT_TRUE(m.label.empty()) << name;
    EXPECT_DOUBLE_EQ(family->type == prometheus::MetricType::Counter
                         ? m.counter.value
                         : m.gauge.value,
                     value)
        << name;
  }
  const MetricFamily* info = Find(families, "heapd_build_info");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->metric.size(), 1u);
  EXPECT_EQ(info->metric[0].gauge.value, 1);
}

TEST(HeapdFamiliesTest, PausesByGeneration) {
  const std::vector<MetricFamily> families = KnownFamilies();
  const MetricFamily* pause = Find(families, "heapd_gc_pause_seconds");
  ASSERT_NE(pause, nullptr);
  EXPECT_EQ(pause->type, prometheus::MetricType::Histogram);
  ASSERT_EQ(pause->metric.size(), 3u);
  for (int g = 0; g < 3; ++g) {
    const ClientMetric* m = Metric(*pause, "generation", std::to_string(g));
    ASSERT_NE(m, nullptr) << g;
    // KnownInput: one pause of 200 us in generation 0, two of 2 ms in 1,
    // none in 2.
    EXPECT_EQ(m->histogram.sample_count, std::vector<uint64_t>({1, 2, 0})[g]);
  }
  EXPECT_EQ(CountAt(Metric(*pause, "generation", "0")->histogram, 2.5e-4), 1u);
  EXPECT_EQ(CountAt(Metric(*pause, "generation", "1")->histogram, 1e-3), 0u);
  EXPECT_EQ(CountAt(Metric(*pause, "generation", "1")->histogram, 2.5e-3), 2u);
}

TEST(GrpcMetricsTest, CountsByMethodAndCode) {
  const std::vector<MetricFamily> families = KnownFamilies();
  const MetricFamily* handled = Find(families, "grpc_server_handled_total");
  ASSERT_NE(handled, nullptr);
  const ClientMetric* not_found = Metric(*handled, "grpc_code", "NotFound");
  ASSERT_NE(not_found, nullptr);
  EXPECT_EQ(not_found->counter.value, 1);
  const MetricFamily* latency = Find(families, "grpc_server_handling_seconds");
  ASSERT_NE(latency, nullptr);
  const ClientMetric* allocate = Metric(*latency, "grpc_method", "Allocate");
  ASSERT_NE(allocate, nullptr);
  EXPECT_EQ(allocate->histogram.sample_count, 2u);
  EXPECT_EQ(CountAt(allocate->histogram, 5e-4), 1u);
  EXPECT_EQ(CountAt(allocate->histogram, 5e-3), 2u);
}

TEST(GrpcMetricsTest, KnowsOnlyItsMethods) {
  server::metrics::GrpcMetrics grpc(
      server::metrics::GrpcMetrics::HeapdMethods());
  EXPECT_NE(grpc.Find("/heapd.v1.Heap/Allocate"), nullptr);
  EXPECT_NE(grpc.Find("/grpc.health.v1.Health/Check"), nullptr);
  EXPECT_EQ(grpc.Find("/heapd.v1.Heap/NoSuchMethod"), nullptr);
  EXPECT_EQ(grpc.Find(nullptr), nullptr);
}

TEST(ExpositionTest, NegotiatesOpenMetricsOnlyWhenAskedFor) {
  using server::metrics::NegotiateFormat;
  // Prometheus 2.42's scrape header.
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text;version=1.0.0,"
                            "application/openmetrics-text;version=0.0.1;q=0.75,"
                            "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
            Format::kOpenMetrics);
  EXPECT_EQ(NegotiateFormat("text/plain"), Format::kText);
  EXPECT_EQ(NegotiateFormat(""), Format::kText);
  EXPECT_EQ(NegotiateFormat("*/*"), Format::kText);
  EXPECT_EQ(NegotiateFormat("application/openmetrics-text; q=0"),
            Format::kText);
}

TEST(ExpositionTest, OpenMetricsNamesCountersWithoutTotalAndEnds) {
  const std::string body =
      server::metrics::Serialize(KnownFamilies(), Format::kOpenMetrics);
  EXPECT_THAT(body, HasSubstr("# TYPE heapd_sessions_opened counter\n"));
  EXPECT_THAT(body, HasSubstr("\nheapd_sessions_opened_total 5\n"));
  EXPECT_THAT(body, HasSubstr("heapd_objects{type=\"int\"} 42\n"));
  EXPECT_THAT(body, ::testing::EndsWith("# EOF\n"));
}

TEST(ExpositionTest, TextHasEveryFamilysHelpAndType) {
  const std::vector<MetricFamily> families = KnownFamilies();
  const std::string body = server::metrics::Serialize(families, Format::kText);
  for (const MetricFamily& f : families) {
    EXPECT_THAT(body, HasSubstr("# HELP " + f.name + " ")) << f.name;
    EXPECT_THAT(body, HasSubstr("# TYPE " + f.name + " ")) << f.name;
  }
  EXPECT_THAT(server::metrics::ContentType(Format::kText),
              HasSubstr("version=0.0.4"));
}

// What prometheus-cpp 1.0.1's TextSerializer writes.
std::string PrometheusCppText(const std::vector<MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

TEST(ExpositionTest, TextIsWhatPrometheusCppWrites) {
  EXPECT_EQ(server::metrics::Serialize(KnownFamilies(), Format::kText),
            PrometheusCppText(KnownFamilies()));
  EXPECT_EQ(server::metrics::Serialize(EdgeFamilies(), Format::kText),
            PrometheusCppText(EdgeFamilies()));
}

TEST(ExpositionTest, TextEscapesNewlinesAndBackslashes) {
  MetricFamily family{"odd",
                      "Help with a \\ and a\nnewline.",
                      prometheus::MetricType::Gauge,
                      {}};
  family.metric.emplace_back().label = {{"l", "a\nb\"c\\"}};
  EXPECT_EQ(server::metrics::Serialize({family}, Format::kText),
            "# HELP odd Help with a \\\\ and a\\nnewline.\n"
            "# TYPE odd gauge\n"
            "odd{l=\"a\\nb\\\"c\\\\\"} 0\n");
}

TEST(ExpositionTest, OpenMetricsOfAwkwardValues) {
  // Numbers in their shortest round-trip form (integers below 2^53 in full),
  // buckets then count and sum, counters named without _total.
  EXPECT_EQ(server::metrics::Serialize(EdgeFamilies(), Format::kOpenMetrics),
            R"(# TYPE edge_values gauge
# HELP edge_values Awkward values.
edge_values{i="0",odd="a\\b\"c"} 0
edge_values{i="1",odd="a\\b\"c"} 0
edge_values{i="2",odd="a\\b\"c"} 1
edge_values{i="3",odd="a\\b\"c"} -1
edge_values{i="4",odd="a\\b\"c"} 0.5
edge_values{i="5",odd="a\\b\"c"} 1e-06
edge_values{i="6",odd="a\\b\"c"} 2.5e-06
edge_values{i="7",odd="a\\b\"c"} 5.558345717515277e-06
edge_values{i="8",odd="a\\b\"c"} 0.3333333333333333
edge_values{i="9",odd="a\\b\"c"} 123456789.123
edge_values{i="10",odd="a\\b\"c"} 1796322830.923743
edge_values{i="11",odd="a\\b\"c"} 9999999999999998
edge_values{i="12",odd="a\\b\"c"} 9007199254740991
edge_values{i="13",odd="a\\b\"c"} 9007199254740992
edge_values{i="14",odd="a\\b\"c"} 1e+16
edge_values{i="15",odd="a\\b\"c"} -12345678901234568
edge_values{i="16",odd="a\\b\"c"} 1e+300
edge_values{i="17",odd="a\\b\"c"} 5e-324
edge_values{i="18",odd="a\\b\"c"} NaN
edge_values{i="19",odd="a\\b\"c"} +Inf
edge_values{i="20",odd="a\\b\"c"} -Inf
edge_values 7
# TYPE edge_counted counter
# HELP edge_counted The same as counters.
edge_counted_total{i="2",odd="a\\b\"c"} 1
edge_counted_total{i="4",odd="a\\b\"c"} 0.5
edge_counted_total{i="18",odd="a\\b\"c"} NaN
# TYPE edge_untyped unknown
# HELP edge_untyped Untyped.
edge_untyped{i="2",odd="a\\b\"c"} 1
edge_untyped{i="4",odd="a\\b\"c"} 0.5
edge_untyped{i="18",odd="a\\b\"c"} NaN
# TYPE edge_seconds histogram
# HELP edge_seconds Histograms.
edge_seconds_bucket{with="inf",le="2.5e-06"} 1
edge_seconds_bucket{with="inf",le="0.1"} 4
edge_seconds_bucket{with="inf",le="+Inf"} 6
edge_seconds_count{with="inf"} 6
edge_seconds_sum{with="inf"} 0.75
edge_seconds_bucket{le="1e-06"} 0
edge_seconds_bucket{le="10"} 2
edge_seconds_count 3
edge_seconds_sum 12.125
# TYPE edge_summary_seconds summary
# HELP edge_summary_seconds Summaries.
edge_summary_seconds{kind="x",quantile="0.5"} 0.125
edge_summary_seconds{kind="x",quantile="0.99"} 0.3333333333333333
edge_summary_seconds_count{kind="x"} 10
edge_summary_seconds_sum{kind="x"} 2.5
# EOF
)");
}

TEST(ExpositionTest, SerializeToAppends) {
  std::string out = "kept\n";
  server::metrics::SerializeTo(KnownFamilies(), Format::kText, &out);
  EXPECT_EQ(out, "kept\n" + server::metrics::Serialize(KnownFamilies(),
                                                       Format::kText));
}

}  // namespace
}  // namespace heapd::testing
