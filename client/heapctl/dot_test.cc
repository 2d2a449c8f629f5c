#include "client/heapctl/dot.h"

#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A heap in a map: a list [a, b]; a.ref = b; b.ref = a.
class FakeHeap {
 public:
  FakeHeap() {
    Add(1, v1::LIST, {}, {2, 3});
    Add(2, v1::OBJECT, {{"ref", 3}}, {});
    Add(3, v1::OBJECT, {{"ref", 2}}, {});
  }
  void Add(uint64_t handle, v1::ObjectType type,
           std::vector<std::pair<std::string, uint64_t>> fields,
           std::vector<uint64_t> items) {
    v1::ObjectInfo& o = objects_[handle];
    o.set_handle(handle);
    o.set_type(type);
    o.set_refcount(1);
    o.set_generation(0);
    for (const auto& [name, target] : fields) {
      v1::FieldLink* field = o.add_fields();
      field->set_name(name);
      field->set_target(target);
      o.add_referents(target);
    }
    for (uint64_t item : items) {
      o.add_items(item);
      o.add_referents(item);
    }
  }
  void Remove(uint64_t handle) { objects_.erase(handle); }
  FetchObject Fetch() {
    return [this](uint64_t handle) -> absl::StatusOr<v1::ObjectInfo> {
      ++fetches;
      auto it = objects_.find(handle);
      if (it == objects_.end()) return absl::NotFoundError("gone");
      return it->second;
    };
  }
  int fetches = 0;

 private:
  std::map<uint64_t, v1::ObjectInfo> objects_;
};

TEST(DotTest, BreadthFirstWithLabelledEdges) {
  FakeHeap heap;
  absl::StatusOr<ObjectGraph> graph = BuildGraph(1, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->objects.size(), 3u);
  EXPECT_EQ(heap.fetches, 3);  // the cycle is visited once
  const std::string dot = FormatDot(*graph);
  EXPECT_EQ(dot,
            "digraph heap {\n"
            "  node [shape=box, fontname=\"monospace\"];\n"
            "  n1 [label=\"1 list\\nrefcount 1, gen 0\"];\n"
            "  n2 [label=\"2 object\\nrefcount 1, gen 0\"];\n"
            "  n3 [label=\"3 object\\nrefcount 1, gen 0\"];\n"
            "  n1 -> n2 [label=\"[0]\"];\n"
            "  n1 -> n3 [label=\"[1]\"];\n"
            "  n2 -> n3 [label=\".ref\"];\n"
            "  n3 -> n2 [label=\".ref\"];\n"
            "}\n");
}

TEST(DotTest, MaxNodesCutsTheWalk) {
  FakeHeap heap;
  absl::StatusOr<ObjectGraph> graph = BuildGraph(1, 1, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  EXPECT_TRUE(graph->truncated);
  EXPECT_EQ(graph->objects.size(), 1u);
  EXPECT_THAT(graph->unexplored, ElementsAre(2, 3));
  const std::string dot = FormatDot(*graph);
  EXPECT_THAT(dot, HasSubstr("// cut at 1 objects"));
  EXPECT_THAT(dot, HasSubstr("n2 [label=\"2\", style=dashed];"));
  EXPECT_THAT(dot, HasSubstr("n1 -> n3 [label=\"[1]\"];"));
}

TEST(DotTest, JsonListsTheObjectsAndTheCut) {
  FakeHeap heap;
  absl::StatusOr<ObjectGraph> graph = BuildGraph(1, 2, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string json = GraphToJson(*graph);
  EXPECT_THAT(json, HasSubstr("\"handle\": \"1\""));
  EXPECT_THAT(json, HasSubstr("\"type\": \"OBJECT\""));
  EXPECT_THAT(json, HasSubstr("\"unexplored\": [\"3\"]"));
  EXPECT_THAT(json, HasSubstr("\"truncated\": true"));
}

TEST(DotTest, VanishedObjectsAndAMissingRoot) {
  FakeHeap heap;
  heap.Remove(3);
  absl::StatusOr<ObjectGraph> graph = BuildGraph(1, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  EXPECT_THAT(graph->freed, ElementsAre(3));
  EXPECT_THAT(FormatDot(*graph),
              HasSubstr("n3 [label=\"3 freed\", style=dotted];"));
  EXPECT_EQ(BuildGraph(99, 10, heap.Fetch()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace heapd::heapctl
