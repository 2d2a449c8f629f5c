// The web API's documents without a server: the JSON writer, the map and
// its aggregation, the session graph's walk, cap and labels, and the static
// files' refusal of paths outside their folder.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/layout.h"
#include "server/stats_publisher.h"
#include "server/web/json_writer.h"
#include "server/web/map_json.h"
#include "server/web/session_graph.h"
#include "server/web/static_files.h"

namespace heapd::server::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr objects::OwnerId kOwner = 1;

objects::Handle New(objects::ObjectHeap& heap, objects::ObjectType type) {
  objects::AllocateSpec spec;
  spec.type = type;
  absl::StatusOr<objects::Allocated> made = heap.Allocate(kOwner, spec);
  EXPECT_TRUE(made.ok()) << made.status();
  return made.ok() ? made->handle : 0;
}

TEST(JsonWriterTest, EscapesAndSeparates) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a\"b");
  w.String("line\nnext\x01");
  w.Key("list");
  w.BeginArray();
  w.Int(-3);
  w.Bool(true);
  w.Null();
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(w.Take(),
            "{\"a\\\"b\":\"line\\nnext\\u0001\",\"list\":[-3,true,null,{}]}");
}

TEST(MapJsonTest, ListsPoolsThenAggregatesPastTheCap) {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;
  objects::ObjectHeap heap(options);
  for (int i = 0; i < 500; ++i) New(heap, objects::ObjectType::kInt);
  StatsPublisher publisher(absl::Hours(1));
  publisher.WatchMap(absl::Now() + absl::Hours(1));
  ASSERT_TRUE(publisher.Update(heap, /*force=*/true));
  const StatsSnapshot& snapshot = *publisher.Latest();
  const obmalloc::AllocatorLayout layout = obmalloc::AllocatorLayout::Classic();
  const std::string full = MapJson(snapshot, layout, kMaxMapPools);
  EXPECT_THAT(full, HasSubstr("\"aggregated\":false"));
  EXPECT_THAT(full, HasSubstr("\"arena_count\":1"));
  EXPECT_THAT(full, HasSubstr("\"pool_count\":64"));
  EXPECT_THAT(full, HasSubstr("\"class\":["));
  EXPECT_THAT(full, HasSubstr("\"blocks_in_use\":500"));
  const std::string aggregated = MapJson(snapshot, layout, 10);
  EXPECT_THAT(aggregated, HasSubstr("\"aggregated\":true"));
  EXPECT_THAT(aggregated, Not(HasSubstr("\"class\":[")));
  EXPECT_THAT(aggregated, HasSubstr("\"blocks_in_use\":500"));
  EXPECT_THAT(PendingMapJson(layout), HasSubstr("\"pending\":true"));
}

TEST(SessionGraphTest, WalksFromTheSessionsReferencesWithLabelsAndACap) {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;
  objects::ObjectHeap heap(options);
  const objects::Handle a = New(heap, objects::ObjectType::kObject);
  const objects::Handle b = New(heap, objects::ObjectType::kObject);
  const objects::Handle list = New(heap, objects::ObjectType::kList);
  ASSERT_TRUE(heap.SetField(a, "next", b).ok());
  ASSERT_TRUE(heap.SetField(b, "prev", a).ok());
  ASSERT_TRUE(heap.Append(list, a).ok());
  ASSERT_TRUE(heap.DecRef(kOwner, a).ok());
  ASSERT_TRUE(heap.DecRef(kOwner, b).ok());

  const SessionGraph graph = CaptureSessionGraph(heap, kOwner, 100);
  EXPECT_FALSE(graph.truncated);
  ASSERT_EQ(graph.nodes.size(), 3u);
  EXPECT_EQ(graph.nodes[0].handle, list) << "the one root comes first";
  EXPECT_EQ(graph.nodes[0].session_references, 1);
  EXPECT_EQ(graph.nodes[1].session_references, 0);
  ASSERT_EQ(graph.edges.size(), 3u);
  EXPECT_EQ(graph.edges[0].label, "[0]");
  EXPECT_EQ(graph.edges[1].label, "next");
  EXPECT_EQ(graph.edges[2].label, "prev");
  const std::string json = GraphJson("s", graph);
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"id\":\"", a, "\"")));
  EXPECT_THAT(json, HasSubstr("\"type\":\"list\""));

  const SessionGraph capped = CaptureSessionGraph(heap, kOwner, 2);
  EXPECT_TRUE(capped.truncated);
  EXPECT_EQ(capped.nodes.size(), 2u);
  EXPECT_EQ(capped.links_past_cap, 1) << "a.next -> b is past the cap";
}

TEST(SessionGraphTest, ObjectsWithLinksComeBeforeLeavesUnderTheCap) {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;
  objects::ObjectHeap heap(options);
  for (int i = 0; i < 50; ++i) New(heap, objects::ObjectType::kInt);
  const objects::Handle a = New(heap, objects::ObjectType::kObject);
  const objects::Handle b = New(heap, objects::ObjectType::kObject);
  ASSERT_TRUE(heap.SetField(a, "ref", b).ok());
  ASSERT_TRUE(heap.SetField(b, "ref", a).ok());
  ASSERT_TRUE(heap.DecRef(kOwner, b).ok());
  const SessionGraph graph = CaptureSessionGraph(heap, kOwner, 3);
  ASSERT_EQ(graph.nodes.size(), 3u);
  EXPECT_EQ(graph.nodes[0].handle, a);
  EXPECT_EQ(graph.nodes[1].handle, b);
  EXPECT_EQ(graph.nodes[2].type, objects::ObjectType::kInt);
  ASSERT_EQ(graph.edges.size(), 2u);
  EXPECT_TRUE(graph.truncated) << "50 ints past the cap";
}

TEST(StaticFilesTest, ServesFilesUnderItsFolderOnly) {
  const std::string root = ::testing::TempDir() + "/web_root";
  ASSERT_EQ(std::system(("mkdir -p " + root + "/assets").c_str()), 0);
  std::ofstream(root + "/index.html") << "<title>heapd</title>";
  std::ofstream(root + "/assets/app.js") << "let x = 1;";
  const StaticFiles files(root);
  metrics::HttpRouteRequest get{
      .method = "GET", .path = "/", .query = "", .authorization = ""};
  metrics::HttpRouteReply r = files.Serve(get);
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "<title>heapd</title>");
  EXPECT_THAT(r.content_type, HasSubstr("text/html"));
  get.path = "/assets/app.js";
  r = files.Serve(get);
  EXPECT_EQ(r.code, 200);
  EXPECT_THAT(r.content_type, HasSubstr("javascript"));
  for (const char* bad : {"/../etc/passwd", "/assets/../../x", "/.hidden",
                          "/assets", "/a b", "/missing.js"}) {
    get.path = bad;
    EXPECT_EQ(files.Serve(get).code, 404) << bad;
  }
  metrics::HttpRouteRequest post{
      .method = "POST", .path = "/", .query = "", .authorization = ""};
  EXPECT_EQ(files.Serve(post).code, 405);
  EXPECT_EQ(
      StaticFiles("")
          .Serve(
              {.method = "GET", .path = "/", .query = "", .authorization = ""})
          .code,
      404);
}

}  // namespace
}  // namespace heapd::server::web
