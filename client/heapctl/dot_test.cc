#include "client/heapctl/dot.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A heap in a map: a list [a, b]; a.ref = b; b.ref = a.
class FakeHeap {
 public:
  // The list is the session's (refcount 1); a and b are held by the list
  // and by each other (refcount 2).
  FakeHeap() {
    Add(1, v1::LIST, {}, {2, 3}, 1, 1);
    Add(2, v1::OBJECT, {{"ref", 3}}, {}, 2);
    Add(3, v1::OBJECT, {{"ref", 2}}, {}, 2);
  }
  void Add(uint64_t handle, v1::ObjectType type,
           std::vector<std::pair<std::string, uint64_t>> fields,
           std::vector<uint64_t> items, int64_t refcount,
           int64_t session_references = 0) {
    v1::ObjectInfo& o = objects_[handle];
    o.Clear();
    o.set_handle(handle);
    o.set_type(type);
    o.set_refcount(refcount);
    o.set_session_references(session_references);
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
  EXPECT_EQ(
      dot,
      "digraph heap {\n"
      "  node [shape=box, fontname=\"monospace\"];\n"
      "  edge [fontname=\"monospace\", fontsize=10, labeldistance=2.5, "
      "labelangle=-50];\n"
      "  n1 [label=\"#0001 list\\nrefcount 1, gen 0\\nsession holds 1\", "
      "tooltip=\"handle 1 (0x1)\", peripheries=2, penwidth=2];\n"
      "  n2 [label=\"#0002 object\\nrefcount 2, gen 0\", "
      "tooltip=\"handle 2 (0x2)\"];\n"
      "  n3 [label=\"#0003 object\\nrefcount 2, gen 0\", "
      "tooltip=\"handle 3 (0x3)\"];\n"
      "  n1 -> n2 [taillabel=\"[0]\"];\n"
      "  n1 -> n3 [taillabel=\"[1]\"];\n"
      "  n2 -> n3 [taillabel=\".ref\"];\n"
      "  n3 -> n2 [taillabel=\".ref\"];\n"
      "  legend [shape=note, fontsize=10, label=\"double border: held by the "
      "session\\lbold: referred to from outside the graph (a session, an "
      "object not drawn)\\l#3f2a: a handle's last hex digits (the tooltip has "
      "it all)\\l\"];\n"
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
  EXPECT_THAT(dot, HasSubstr("n2 [label=\"#0002\", tooltip=\"handle 2 "
                             "(0x2)\", style=dashed];"));
  EXPECT_THAT(dot, HasSubstr("n1 -> n3 [taillabel=\"[1]\"];"));
  EXPECT_THAT(dot, HasSubstr("dashed: not inspected"));
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
              HasSubstr("n3 [label=\"#0003 freed\", tooltip=\"handle 3 "
                        "(0x3)\", style=dotted];"));
  EXPECT_EQ(BuildGraph(99, 10, heap.Fetch()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(DotTest, UnreachableObjectsAreTheCollectorsToFind) {
  // The session holds the list; a and b refer to each other only: after
  // `del a, b` no root reaches them.
  FakeHeap heap;
  heap.Add(1, v1::LIST, {}, {}, 1, 1);
  heap.Add(2, v1::OBJECT, {{"ref", 3}}, {}, 1);
  heap.Add(3, v1::OBJECT, {{"ref", 2}}, {}, 1);
  absl::StatusOr<ObjectGraph> graph = BuildGraphFrom({1, 2}, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string dot = FormatDot(*graph);
  EXPECT_THAT(dot, HasSubstr("  n2 [label=\"#0002 object\\nrefcount 1, gen "
                             "0\\nunreachable\", tooltip=\"handle 2 (0x2)\", "
                             "style=\"dashed,filled\", fillcolor=\"grey92\", "
                             "color=\"grey45\", fontcolor=\"grey35\"];"));
  EXPECT_THAT(dot, HasSubstr("  n3 [label=\"#0003 object\\nrefcount 1, gen "
                             "0\\nunreachable\""));
  EXPECT_THAT(dot, HasSubstr("grey, dashed: unreachable: the collector's to "
                             "find\\l"));
  EXPECT_THAT(dot, Not(HasSubstr("n1 [label=\"#0001 list\\nrefcount 1, gen "
                                 "0\\nsession holds 1\\nunreachable")));
}

TEST(DotTest, ReferencesFromOutsideTheGraphAreRoots) {
  // Another session holds a (refcount 2: b.ref and that session); b is
  // reached through a.
  FakeHeap heap;
  heap.Add(2, v1::OBJECT, {{"ref", 3}}, {}, 2);
  heap.Add(3, v1::OBJECT, {{"ref", 2}}, {}, 1);
  absl::StatusOr<ObjectGraph> graph = BuildGraph(2, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string dot = FormatDot(*graph);
  EXPECT_THAT(dot, HasSubstr("n2 [label=\"#0002 object\\nrefcount 2, gen "
                             "0\\n1 from outside the graph\", tooltip=\"handle "
                             "2 (0x2)\", penwidth=2];"));
  EXPECT_THAT(dot, Not(HasSubstr("unreachable")));
}

TEST(DotTest, DictKeysTupleSlotsAndSetMembers) {
  FakeHeap heap;
  heap.Add(10, v1::DICT, {{"name", 11}, {"say \"hi\"", 12}}, {}, 1, 1);
  heap.Add(11, v1::TUPLE, {{"0", 13}}, {}, 1);
  heap.Add(12, v1::SET, {}, {13}, 1);
  heap.Add(13, v1::STR, {}, {}, 2);
  absl::StatusOr<ObjectGraph> graph = BuildGraph(10, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string dot = FormatDot(*graph);
  EXPECT_THAT(dot, HasSubstr("n10 -> n11 [taillabel=\"[\\\"name\\\"]\"];"));
  EXPECT_THAT(
      dot, HasSubstr("n10 -> n12 [taillabel=\"[\\\"say \\\"hi\\\"\\\"]\"];"));
  EXPECT_THAT(dot, HasSubstr("n11 -> n13 [taillabel=\"[0]\"];"));
  EXPECT_THAT(dot, HasSubstr("n12 -> n13;"));
}

TEST(DotTest, ShortHandlesAreUniqueWithinTheGraph) {
  EXPECT_EQ(ShortHandleDigits({0x1234, 0xabcd}), 4u);
  EXPECT_EQ(ShortHandleDigits({0x11234, 0x21234}), 5u);
  EXPECT_EQ(ShortHandleDigits({0x100000000000abcd, 0x200000000000abcd}), 16u);
  EXPECT_EQ(ShortHandleDigits({}), 4u);
  FakeHeap heap;
  heap.Add(0x7000000000011234, v1::LIST, {}, {0x7000000000021234}, 1, 1);
  heap.Add(0x7000000000021234, v1::OBJECT, {}, {}, 1);
  absl::StatusOr<ObjectGraph> graph =
      BuildGraph(0x7000000000011234, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string dot = FormatDot(*graph);
  EXPECT_THAT(dot, HasSubstr("label=\"#11234 list"));
  EXPECT_THAT(dot, HasSubstr("label=\"#21234 object"));
  EXPECT_THAT(dot, HasSubstr("tooltip=\"handle 8070450532248064564 "
                             "(0x7000000000021234)\""));
}

TEST(DotTest, NamesReplaceHandles) {
  FakeHeap heap;
  DotOptions options;
  options.names[2] = {"a"};
  options.names[3] = {"b", "c (deleted)"};
  absl::StatusOr<ObjectGraph> graph = BuildGraph(1, 100, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  const std::string dot = FormatDot(*graph, options);
  EXPECT_THAT(dot, HasSubstr("n2 [label=\"a object\\nrefcount 2"));
  EXPECT_THAT(dot, HasSubstr("n3 [label=\"b, c (deleted) object\\n"));
  EXPECT_THAT(dot, HasSubstr("n1 [label=\"#0001 list"));
}

TEST(DotTest, GraphvizAcceptsIt) {
  if (access("/usr/bin/dot", X_OK) != 0) {
    GTEST_SKIP() << "Graphviz is not installed (tools/setup installs it)";
  }
  FakeHeap heap;
  heap.Add(4, v1::DICT, {{"key", 2}}, {}, 0);  // unreachable, cut below
  absl::StatusOr<ObjectGraph> graph = BuildGraphFrom({1, 4}, 3, heap.Fetch());
  ASSERT_TRUE(graph.ok());
  DotOptions options;
  options.names[2] = {"a"};
  const char* tmpdir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(tmpdir != nullptr ? tmpdir : "/tmp", "/graph.dot");
  std::ofstream(path) << FormatDot(*graph, options);
  const std::string command =
      absl::StrCat("/usr/bin/dot -Tsvg ", path, " -o ", path, ".svg 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string messages;
  char buffer[256];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) messages += buffer;
  EXPECT_EQ(pclose(pipe), 0) << messages;
  EXPECT_EQ(messages, "");  // not even a warning
  std::ifstream svg(path + ".svg");
  std::stringstream text;
  text << svg.rdbuf();
  EXPECT_THAT(text.str(), HasSubstr("<svg"));
}

}  // namespace
}  // namespace heapd::heapctl
