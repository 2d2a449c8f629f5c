// FormatDot: an ObjectGraph as Graphviz DOT, marked the way the collector
// reads the heap (dot.h says what each mark means).
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/heapctl/dot.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::TypeName;
namespace {

std::string GenerationLabel(int32_t generation) {
  if (generation < 0) return "untracked";
  if (generation == 3) return "permanent";
  return absl::StrCat("gen ", generation);
}

// A DOT string literal: quotes and backslashes escaped, a newline as
// DOT's centred line break "\n".
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// What an edge from `o` through its field `name` reads: an attribute for
// objects, a key for dicts, a slot for tuples.
std::string FieldLabel(const v1::ObjectInfo& o, const std::string& name) {
  if (o.type() == v1::DICT) return absl::StrCat("[\"", name, "\"]");
  if (o.type() == v1::TUPLE) return absl::StrCat("[", name, "]");
  return absl::StrCat(".", name);
}

// How the collector would see the drawn objects: references from outside
// them (refcount minus the edges drawn in), and those no such root reaches.
struct Marks {
  absl::flat_hash_map<uint64_t, int64_t> outside;
  absl::flat_hash_set<uint64_t> unreachable;
};

Marks Mark(const ObjectGraph& graph) {
  absl::flat_hash_map<uint64_t, int64_t> drawn_in;
  absl::flat_hash_map<uint64_t, const v1::ObjectInfo*> drawn;
  for (const v1::ObjectInfo& o : graph.objects) {
    drawn[o.handle()] = &o;
    for (const v1::FieldLink& field : o.fields()) ++drawn_in[field.target()];
    for (uint64_t item : o.items()) ++drawn_in[item];
  }
  Marks marks;
  absl::flat_hash_set<uint64_t> reached;
  std::deque<uint64_t> queue;
  for (const v1::ObjectInfo& o : graph.objects) {
    const int64_t outside = o.refcount() - drawn_in[o.handle()];
    if (outside <= 0) continue;
    marks.outside[o.handle()] = outside;
    reached.insert(o.handle());
    queue.push_back(o.handle());
  }
  while (!queue.empty()) {
    const v1::ObjectInfo& o = *drawn[queue.front()];
    queue.pop_front();
    for (uint64_t referent : o.referents()) {
      if (drawn.contains(referent) && reached.insert(referent).second) {
        queue.push_back(referent);
      }
    }
  }
  for (const v1::ObjectInfo& o : graph.objects) {
    if (!reached.contains(o.handle())) marks.unreachable.insert(o.handle());
  }
  return marks;
}

class Shortener {
 public:
  explicit Shortener(const ObjectGraph& graph) {
    std::vector<uint64_t> handles = graph.unexplored;
    handles.insert(handles.end(), graph.freed.begin(), graph.freed.end());
    for (const v1::ObjectInfo& o : graph.objects) handles.push_back(o.handle());
    digits_ = ShortHandleDigits(handles);
  }
  // "#3f2a".
  std::string Short(uint64_t handle) const {
    const uint64_t mask =
        digits_ >= 16 ? ~uint64_t{0} : (uint64_t{1} << (4 * digits_)) - 1;
    return absl::StrFormat("#%0*x", static_cast<int>(digits_), handle & mask);
  }
  // The node's tooltip: the whole handle, as heapctl takes it.
  static std::string Tooltip(uint64_t handle) {
    return absl::StrFormat("tooltip=\"handle %d (0x%x)\"", handle, handle);
  }

 private:
  size_t digits_ = 4;
};

}  // namespace

size_t ShortHandleDigits(const std::vector<uint64_t>& handles,
                         size_t min_digits) {
  for (size_t digits = min_digits; digits < 16; ++digits) {
    const uint64_t mask = (uint64_t{1} << (4 * digits)) - 1;
    absl::flat_hash_set<uint64_t> suffixes;
    bool unique = true;
    for (uint64_t handle : handles)
      unique &= suffixes.insert(handle & mask).second;
    if (unique) return digits;
  }
  return 16;
}

std::string FormatDot(const ObjectGraph& graph, const DotOptions& options) {
  const Marks marks = Mark(graph);
  const Shortener shortener(graph);
  std::string out = "digraph heap {\n";
  out += "  node [shape=box, fontname=\"monospace\"];\n";
  out +=
      "  edge [fontname=\"monospace\", fontsize=10, labeldistance=2.5, "
      "labelangle=-50];\n";
  if (graph.truncated) {
    absl::StrAppend(
        &out, "  // cut at ", graph.objects.size(),
        " objects (--max_nodes); dashed nodes were not inspected\n");
  }
  bool held_any = false;
  bool shortened_any = !graph.unexplored.empty() || !graph.freed.empty();
  for (const v1::ObjectInfo& o : graph.objects) {
    auto named = options.names.find(o.handle());
    shortened_any |= named == options.names.end();
    std::string label = absl::StrCat(
        named == options.names.end() ? shortener.Short(o.handle())
                                     : absl::StrJoin(named->second, ", "),
        " ", TypeName(o.type()), "\nrefcount ", o.refcount(), ", ",
        GenerationLabel(o.generation()));
    std::string attributes;
    if (o.session_references() > 0) {
      held_any = true;
      absl::StrAppend(&label, "\nsession holds ", o.session_references());
      attributes += ", peripheries=2";
    }
    auto outside = marks.outside.find(o.handle());
    if (outside != marks.outside.end()) {
      const int64_t others = outside->second - o.session_references();
      if (others > 0) {
        absl::StrAppend(&label, "\n", others,
                        o.session_references() > 0 ? " more" : "",
                        " from outside the graph");
      }
      attributes += ", penwidth=2";
    }
    if (marks.unreachable.contains(o.handle())) {
      absl::StrAppend(&label, "\nunreachable");
      attributes +=
          ", style=\"dashed,filled\", fillcolor=\"grey92\", color=\"grey45\", "
          "fontcolor=\"grey35\"";
    }
    absl::StrAppend(&out, "  n", o.handle(), " [label=", Quote(label), ", ",
                    Shortener::Tooltip(o.handle()), attributes, "];\n");
  }
  for (uint64_t handle : graph.unexplored) {
    absl::StrAppend(&out, "  n", handle, " [label=\"", shortener.Short(handle),
                    "\", ", Shortener::Tooltip(handle), ", style=dashed];\n");
  }
  for (uint64_t handle : graph.freed) {
    auto named = options.names.find(handle);
    const std::string name = named == options.names.end()
                                 ? shortener.Short(handle)
                                 : absl::StrJoin(named->second, ", ");
    absl::StrAppend(&out, "  n", handle, " [label=", Quote(name + " freed"),
                    ", ", Shortener::Tooltip(handle), ", style=dotted];\n");
  }
  // Labels at the tail, by the object holding the reference, and turned off
  // the line (edge defaults above): a two-object cycle's two labels sit one
  // at each end, beside their edge, instead of on top of each other.
  for (const v1::ObjectInfo& o : graph.objects) {
    for (const v1::FieldLink& field : o.fields()) {
      absl::StrAppend(&out, "  n", o.handle(), " -> n", field.target(),
                      " [taillabel=", Quote(FieldLabel(o, field.name())),
                      "];\n");
    }
    for (int i = 0; i < o.items_size(); ++i) {
      absl::StrAppend(&out, "  n", o.handle(), " -> n", o.items(i));
      if (o.type() == v1::SET) {
        out += ";\n";  // a set's members have no order to show
      } else {
        absl::StrAppend(&out, " [taillabel=\"[", i, "]\"];\n");
      }
    }
  }
  // The legend: the marks this graph uses, left-aligned lines ("\l").
  std::string legend;
  if (held_any) legend += "double border: held by the session\\l";
  if (!marks.outside.empty()) {
    legend +=
        "bold: referred to from outside the graph (a session, an object not "
        "drawn)\\l";
  }
  if (!marks.unreachable.empty()) {
    legend += "grey, dashed: unreachable: the collector's to find\\l";
  }
  if (!graph.unexplored.empty()) legend += "dashed: not inspected\\l";
  if (!graph.freed.empty()) legend += "dotted: freed during the walk\\l";
  if (shortened_any) {
    legend += "#3f2a: a handle's last hex digits (the tooltip has it all)\\l";
  }
  absl::StrAppend(&out, "  legend [shape=note, fontsize=10, label=\"", legend,
                  "\"];\n");
  out += "}\n";
  return out;
}

}  // namespace heapd::heapctl
