// heapd's HTTP listener (--http_listen), against the real binary: /metrics
// in both formats with figures that agree with Stats, /healthz, 404, 405,
// bearer tokens, the warning beyond loopback, and turning it off.
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"
#include "tests/metrics/http_client.h"

namespace heapd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kMetricsLine[] = "heapd metrics on http://127.0.0.1:";
constexpr char kToken[] = "0123456789abcdef0123456789abcdef";

// The value of the sample that starts with `prefix` ("name{labels} "), or
// -1 if there is none.
double Sample(const std::string& body, const std::string& prefix) {
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (!absl::StartsWith(line, prefix)) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(prefix.size()), &value)) return value;
  }
  return -1;
}

class HttpListenerTest : public HeapdTest {
 protected:
  HttpListenerTest()
      : HeapdTest(std::chrono::seconds(30), {"--http_listen=127.0.0.1:0",
                                             "--stats_publish_interval_ms=0"}) {
  }

  // The metrics port the running heapd printed.
  int MetricsPort() {
    const std::string& out = heapd_->stdout_text();
    const size_t at = out.find(kMetricsLine);
    EXPECT_NE(at, std::string::npos) << out;
    if (at == std::string::npos) return 0;
    int port = 0;
    const size_t start = at + sizeof(kMetricsLine) - 1;
    EXPECT_TRUE(absl::SimpleAtoi(
        out.substr(start, out.find('/', start) - start), &port));
    return port;
  }

  HttpResponse Get(const std::string& path,
                   const std::vector<std::string>& headers = {},
                   const std::string& method = "GET") {
    absl::StatusOr<HttpResponse> r =
        HttpRequest(MetricsPort(), method, path, headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }

  std::string WriteTokens() {
    const std::string path =
        absl::StrCat(::testing::TempDir(), "/metrics_tokens");
    std::ofstream(path) << kToken << " client dashboard\n";
    return path;
  }
};

TEST_F(HttpListenerTest, MetricsAgreeWithStats) {
  Start({});
  const std::string session = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(session);
  allocate.set_type(v1::INT);
  allocate.set_count(25);
  v1::AllocateResponse allocated;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &allocated).ok());
  v1::IncRefRequest bad;
  bad.set_session_id(session);
  bad.set_handle(987654321);
  v1::IncRefResponse ignored;
  EXPECT_FALSE(Call(&v1::Heap::Stub::IncRef, bad, &ignored).ok());
  v1::CollectRequest collect;
  collect.set_session_id(session);
  collect.set_generation(1);
  v1::CollectResponse collected;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Collect, collect, &collected).ok());
  const v1::StatsResponse stats = FreshStats();

  const HttpResponse r = Get("/metrics");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_THAT(r.headers, HasSubstr("text/plain; version=0.0.4"));
  int64_t ints = -1;
  for (const v1::TypeStats& t : stats.objects().by_type()) {
    if (t.type() == v1::INT) ints = t.count();
  }
  EXPECT_GE(ints, 25);
  EXPECT_EQ(Sample(r.body, "heapd_objects{type=\"int\"} "), ints);
  for (const v1::GenerationStats& g : stats.collector().generations()) {
    EXPECT_EQ(Sample(r.body, absl::StrCat("heapd_gc_collections_total{"
                                          "generation=\"",
                                          g.generation(), "\"} ")),
              g.collections())
        << g.generation();
  }
  EXPECT_GE(stats.collector().generations(1).collections(), 1);
  for (const v1::MethodStats& m : stats.server().methods()) {
    if (m.method() != "Allocate" && m.method() != "IncRef") continue;
    int64_t errors = 0;
    for (const v1::StatusCount& e : m.errors()) errors += e.count();
    EXPECT_EQ(Sample(r.body,
                     absl::StrCat("grpc_server_handled_total{grpc_code=\"OK\","
                                  "grpc_method=\"",
                                  m.method(),
                                  "\",grpc_service=\"heapd.v1.Heap\","
                                  "grpc_type=\"unary\"} ")),
              m.calls() - errors)
        << m.method();
  }
  EXPECT_EQ(Sample(r.body,
                   "grpc_server_handled_total{grpc_code=\"NotFound\","
                   "grpc_method=\"IncRef\",grpc_service=\"heapd.v1.Heap\","
                   "grpc_type=\"unary\"} "),
            1);
  EXPECT_EQ(Sample(r.body,
                   "grpc_server_handling_seconds_count{grpc_method="
                   "\"Allocate\",grpc_service=\"heapd.v1.Heap\","
                   "grpc_type=\"unary\"} "),
            1);
  EXPECT_GE(Sample(r.body, "heapd_gil_wait_seconds_count{kind=\"Allocate\"} "),
            1);
  EXPECT_THAT(r.body, HasSubstr("heapd_build_info{version=\""));
}

TEST_F(HttpListenerTest, ServesOpenMetricsWhenAsked) {
  Start({});
  const HttpResponse r =
      Get("/metrics", {"Accept: application/openmetrics-text;version=1.0.0,"
                       "text/plain;version=0.0.4;q=0.5"});
  ASSERT_EQ(r.code, 200);
  EXPECT_THAT(r.headers, HasSubstr("application/openmetrics-text"));
  EXPECT_THAT(r.body, ::testing::EndsWith("# EOF\n"));
}

TEST_F(HttpListenerTest, HealthzNotFoundAndMethodNotAllowed) {
  Start({});
  const HttpResponse health = Get("/healthz");
  EXPECT_EQ(health.code, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(Get("/").code, 404);
  EXPECT_EQ(Get("/metrics/extra").code, 404);
  const HttpResponse post = Get("/metrics", {}, "POST");
  EXPECT_EQ(post.code, 405);
  EXPECT_THAT(post.headers, HasSubstr("Allow: GET"));
  EXPECT_EQ(Get("/healthz", {}, "DELETE").code, 405);
}

TEST_F(HttpListenerTest, TokensGuardMetricsButNotHealthz) {
  bearer_token_ = kToken;
  Start({"--auth_tokens=" + WriteTokens()});
  EXPECT_EQ(Get("/metrics").code, 401);
  EXPECT_EQ(
      Get("/metrics", {"Authorization: Bearer wrongwrongwrongwrong"}).code,
      401);
  const HttpResponse ok =
      Get("/metrics", {absl::StrCat("Authorization: Bearer ", kToken)});
  EXPECT_EQ(ok.code, 200);
  EXPECT_THAT(ok.body, HasSubstr("heapd_build_info"));
  EXPECT_EQ(Get("/healthz").code, 200);
}

TEST_F(HttpListenerTest, WarnsBeyondLoopbackWithoutTokens) {
  Start({"--http_listen=0.0.0.0:0"});
  EXPECT_THAT(heapd_->stderr_text(),
              HasSubstr("warning: serving metrics on 0.0.0.0 beyond this "
                        "machine without TLS and without access tokens"));
}

TEST_F(HttpListenerTest, WarnsBeyondLoopbackWithTokensOfPlaintext) {
  bearer_token_ = kToken;
  Start({"--http_listen=0.0.0.0:0", "--auth_tokens=" + WriteTokens()});
  EXPECT_THAT(heapd_->stderr_text(),
              HasSubstr("warning: serving metrics on 0.0.0.0 beyond this "
                        "machine without TLS: bearer tokens"));
}

TEST_F(HttpListenerTest, NoWarningOnLoopback) {
  Start({});
  EXPECT_THAT(heapd_->stderr_text(), Not(HasSubstr("serving metrics")));
}

TEST_F(HttpListenerTest, EmptyFlagServesNoMetrics) {
  Start({"--http_listen="});
  EXPECT_THAT(heapd_->stdout_text(), Not(HasSubstr("heapd metrics on")));
}

TEST_F(HttpListenerTest, RefusesAMetricsPortInUse) {
  Start({});
  absl::StatusOr<std::unique_ptr<HeapdProcess>> second = HeapdProcess::Start(
      {"--listen=127.0.0.1:0",
       absl::StrCat("--http_listen=127.0.0.1:", MetricsPort())});
  ASSERT_TRUE(second.ok()) << second.status();
  const absl::StatusOr<int> status = (*second)->WaitForExit(kExitTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status;
  EXPECT_THAT((*second)->stderr_text(), HasSubstr("cannot serve HTTP on"));
  EXPECT_THAT((*second)->stderr_text(), HasSubstr("--http_listen="));
  // The first still serves.
  EXPECT_EQ(Get("/healthz").code, 200);
}

// Debian 12's civetweb is built without IPv6 (mg_check_feature(8) is 0):
// heapd says so instead of civetweb's "Failed to setup server ports".
TEST_F(HttpListenerTest, SaysItsHttpLibraryHasNoIpv6) {
  absl::StatusOr<std::unique_ptr<HeapdProcess>> heapd =
      HeapdProcess::Start({"--listen=127.0.0.1:0", "--http_listen=[::1]:0"});
  ASSERT_TRUE(heapd.ok()) << heapd.status();
  const absl::StatusOr<int> status = (*heapd)->WaitForExit(kExitTimeout);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << *status;
  EXPECT_THAT((*heapd)->stderr_text(), HasSubstr("built without IPv6"));
  EXPECT_THAT((*heapd)->stderr_text(), HasSubstr("127.0.0.1"));
}

}  // namespace
}  // namespace heapd::testing
