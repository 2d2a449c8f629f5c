// heapd's web API under /api/ and the page's files, against the real binary
// on its HTTP listener: the shapes of /api/stats (protobuf's JSON mapping of
// StatsResponse, agreeing with Stats), /api/map (agreeing with Stats'
// arenas and pools) and a session's graph; 404, 405, malformed and unknown
// session ids, bearer tokens and who may see a session's graph.
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_test_fixture.h"
#include "tests/metrics/http_client.h"

namespace heapd::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kHttpLine[] = "heapd metrics on http://127.0.0.1:";
constexpr char kAlice[] = "alice-token-0123456789abcdef";
constexpr char kBob[] = "bob-token-0123456789abcdef";
constexpr char kRoot[] = "root-token-0123456789abcdef";

// The integer after `"key":` in `json`, or -1.
int64_t JsonInt(const std::string& json, const std::string& key) {
  const std::string at = absl::StrCat("\"", key, "\":");
  const size_t found = json.find(at);
  if (found == std::string::npos) return -1;
  size_t start = found + at.size();
  size_t end = start;
  while (end < json.size() && (isdigit(json[end]) || json[end] == '-')) ++end;
  int64_t value = -1;
  return absl::SimpleAtoi(json.substr(start, end - start), &value) ? value : -1;
}

class WebApiTest : public HeapdTest {
 protected:
  WebApiTest()
      : HeapdTest(std::chrono::seconds(30), {"--http_listen=127.0.0.1:0"}) {}

  void StartWithPage(std::vector<std::string> flags = {}) {
    root_ = ::testing::TempDir() + "/web_root";
    ASSERT_EQ(std::system(("mkdir -p " + root_).c_str()), 0);
    std::ofstream(root_ + "/index.html") << "<title>heapd</title>\n";
    flags.push_back("--web_root=" + root_);
    Start(flags);
  }

  int HttpPort() {
    const std::string& out = heapd_->stdout_text();
    const size_t at = out.find(kHttpLine);
    EXPECT_NE(at, std::string::npos) << out;
    if (at == std::string::npos) return 0;
    int port = 0;
    const size_t start = at + sizeof(kHttpLine) - 1;
    EXPECT_TRUE(absl::SimpleAtoi(
        out.substr(start, out.find('/', start) - start), &port));
    return port;
  }

  HttpResponse Get(const std::string& path, const std::string& token = "",
                   const std::string& method = "GET") {
    std::vector<std::string> headers;
    if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
    absl::StatusOr<HttpResponse> r =
        HttpRequest(HttpPort(), method, path, headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse{};
  }

  // Two objects that refer to each other, held by `session`: a.next = b,
  // b.prev = a. Returns their handles.
  std::pair<uint64_t, uint64_t> MakeCycle(const std::string& session) {
    v1::AllocateRequest allocate;
    allocate.set_session_id(session);
    allocate.set_type(v1::OBJECT);
    allocate.set_count(2);
    v1::AllocateResponse made;
    EXPECT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &made).ok());
    if (made.objects_size() != 2) return {0, 0};
    const uint64_t a = made.objects(0).handle();
    const uint64_t b = made.objects(1).handle();
    for (const auto& [source, target, field] :
         {std::tuple(a, b, "next"), std::tuple(b, a, "prev")}) {
      v1::LinkRequest link;
      link.set_session_id(session);
      link.set_source(source);
      link.set_target(target);
      link.set_field(field);
      v1::LinkResponse linked;
      EXPECT_TRUE(Call(&v1::Heap::Stub::Link, link, &linked).ok());
    }
    return {a, b};
  }

  std::string root_;
};

TEST_F(WebApiTest, StatsIsProtobufsJsonMappingOfStatsResponse) {
  StartWithPage();
  const std::string session = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(session);
  allocate.set_type(v1::INT);
  allocate.set_count(300);
  v1::AllocateResponse made;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &made).ok());
  const v1::StatsResponse stats = FreshStats();

  const HttpResponse r = Get("/api/stats");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_THAT(r.headers, HasSubstr("application/json"));
  v1::StatsResponse parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &parsed).ok())
      << r.body;
  EXPECT_EQ(parsed.objects().objects(), stats.objects().objects());
  EXPECT_EQ(parsed.allocator().arenas_current(),
            stats.allocator().arenas_current());
  EXPECT_GT(parsed.lock().by_kind_size(), 0);
  // The mapping's field names, zeros included.
  EXPECT_THAT(r.body, HasSubstr("\"arenasCurrent\":"));
  EXPECT_THAT(r.body, HasSubstr("\"garbage\":"));
  EXPECT_EQ(Get("/api/stats", "", "HEAD").body, "");
}

TEST_F(WebApiTest, MapAgreesWithStatsOnceWatched) {
  StartWithPage();
  const std::string session = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(session);
  allocate.set_type(v1::FLOAT);
  allocate.set_count(20000);
  v1::AllocateResponse made;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &made).ok());

  // The first look asks for the map; a snapshot carries it within a reap
  // interval even with no request running.
  HttpResponse r = Get("/api/map");
  ASSERT_EQ(r.code, 200) << r.body;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::StrContains(r.body, "\"pending\":true") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    r = Get("/api/map");
  }
  ASSERT_THAT(r.body, HasSubstr("\"pending\":false"));
  const v1::StatsResponse stats = FreshStats();
  r = Get("/api/map");
  ASSERT_EQ(r.code, 200);
  int64_t pools = stats.allocator().unused_pools();
  for (const v1::SizeClassStats& c : stats.allocator().size_classes()) {
    pools += c.pools();
  }
  EXPECT_EQ(JsonInt(r.body, "arena_count"), stats.allocator().arenas_current());
  EXPECT_EQ(JsonInt(r.body, "pool_count"), pools);
  EXPECT_EQ(JsonInt(r.body, "used_pool_count"),
            pools - stats.allocator().unused_pools());
  EXPECT_THAT(r.body, HasSubstr("\"aggregated\":false"));
  EXPECT_GE(JsonInt(r.body, "capture_ns"), 0);
}

TEST_F(WebApiTest, MapOfTheCpython312Layout) {
  StartWithPage({"--layout=cpython312"});
  const std::string session = OpenSession();
  v1::AllocateRequest allocate;
  allocate.set_session_id(session);
  allocate.set_type(v1::INT);
  allocate.set_count(5000);
  v1::AllocateResponse made;
  ASSERT_TRUE(Call(&v1::Heap::Stub::Allocate, allocate, &made).ok());
  HttpResponse r = Get("/api/map");
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::StrContains(r.body, "\"pending\":true") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
    r = Get("/api/map");
  }
  EXPECT_THAT(r.body, HasSubstr("\"pool_size\":16384"));
  EXPECT_THAT(r.body, HasSubstr("\"arena_size\":1048576"));
  EXPECT_EQ(JsonInt(r.body, "arena_count"),
            FreshStats().allocator().arenas_current());
  EXPECT_EQ(JsonInt(r.body, "blocks_in_use"), 5000);
}

TEST_F(WebApiTest, SessionGraphShowsTheCycle) {
  StartWithPage();
  const std::string session = OpenSession();
  const auto [a, b] = MakeCycle(session);
  const HttpResponse r = Get("/api/sessions/" + session + "/graph");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("{\"from\":\"", a, "\",\"to\":\"",
                                             b, "\",\"label\":\"next\"}")));
  EXPECT_THAT(r.body, HasSubstr(absl::StrCat("{\"from\":\"", b, "\",\"to\":\"",
                                             a, "\",\"label\":\"prev\"}")));
  EXPECT_THAT(r.body, HasSubstr("\"type\":\"object\""));
  EXPECT_THAT(r.body, HasSubstr("\"truncated\":false"));

  const HttpResponse capped =
      Get("/api/sessions/" + session + "/graph?max_nodes=1");
  ASSERT_EQ(capped.code, 200);
  EXPECT_THAT(capped.body, HasSubstr("\"truncated\":true"));
}

TEST_F(WebApiTest, BadPathsMethodsAndSessionIds) {
  StartWithPage();
  EXPECT_EQ(Get("/api/nope").code, 404);
  EXPECT_EQ(Get("/api/sessions/a/b/graph").code, 404);
  const HttpResponse post = Get("/api/stats", "", "POST");
  EXPECT_EQ(post.code, 405);
  EXPECT_THAT(post.headers, HasSubstr("Allow: GET, HEAD"));
  const HttpResponse malformed = Get("/api/sessions/not-a-session/graph");
  EXPECT_EQ(malformed.code, 400);
  EXPECT_THAT(malformed.body, HasSubstr("\"code\":\"INVALID_ARGUMENT\""));
  const HttpResponse unknown =
      Get("/api/sessions/0123456789abcdef0123456789abcdef/graph");
  EXPECT_EQ(unknown.code, 404) << unknown.body;
  EXPECT_THAT(unknown.body, HasSubstr("\"code\":\"NOT_FOUND\""));
  const std::string session = OpenSession();
  EXPECT_EQ(Get("/api/sessions/" + session + "/graph?max_nodes=0").code, 400);
  EXPECT_EQ(Get("/api/sessions/" + session + "/graph?max_nodes=x").code, 400);

  // The page and the listener's own paths.
  const HttpResponse page = Get("/");
  EXPECT_EQ(page.code, 200);
  EXPECT_THAT(page.body, HasSubstr("<title>heapd</title>"));
  EXPECT_EQ(Get("/.hidden").code, 404);
  EXPECT_EQ(Get("/missing.js").code, 404);
  EXPECT_EQ(Get("/metrics").code, 200);
  EXPECT_EQ(Get("/healthz").code, 200);
}

TEST_F(WebApiTest, WithoutWebRootThereIsNoPageButTheApi) {
  Start({});
  const HttpResponse page = Get("/");
  EXPECT_EQ(page.code, 404);
  EXPECT_THAT(page.body, HasSubstr("--web_root"));
  EXPECT_EQ(Get("/api/stats").code, 200);
}

TEST_F(WebApiTest, TokensAndTheOwnersOfSessions) {
  const std::string tokens = ::testing::TempDir() + "/web_tokens";
  std::ofstream(tokens) << kAlice << " client alice\n"
                        << kBob << " client bob\n"
                        << kRoot << " admin root\n";
  StartWithPage({"--auth_tokens=" + tokens});
  bearer_token_ = kAlice;
  const std::string session = OpenSession();
  MakeCycle(session);
  const std::string graph = "/api/sessions/" + session + "/graph";

  const HttpResponse anonymous = Get("/api/stats");
  EXPECT_EQ(anonymous.code, 401);
  EXPECT_THAT(anonymous.headers, HasSubstr("WWW-Authenticate: Bearer"));
  EXPECT_EQ(Get("/api/stats", "wrong-token-0123456789abcdef").code, 401);
  EXPECT_EQ(Get("/api/map").code, 401);
  EXPECT_EQ(Get(graph).code, 401);
  EXPECT_EQ(Get("/api/stats", kBob).code, 200);

  EXPECT_EQ(Get(graph, kAlice).code, 200);
  const HttpResponse other = Get(graph, kBob);
  EXPECT_EQ(other.code, 403) << other.body;
  EXPECT_THAT(other.body, HasSubstr("PERMISSION_DENIED"));
  const HttpResponse admin = Get(graph, kRoot);
  EXPECT_EQ(admin.code, 200);
  EXPECT_THAT(admin.body, HasSubstr("\"label\":\"next\""));
  // The page's files hold no heap data: they load without a token, and the
  // page asks for one.
  EXPECT_EQ(Get("/").code, 200);
}

}  // namespace
}  // namespace heapd::testing
