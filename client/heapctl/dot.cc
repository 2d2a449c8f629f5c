#include "client/heapctl/dot.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "client/heapctl/json.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::TypeName;

absl::StatusOr<ObjectGraph> BuildGraph(uint64_t root, size_t max_nodes,
                                       const FetchObject& fetch) {
  ObjectGraph graph;
  std::set<uint64_t> seen = {root};
  std::deque<uint64_t> queue = {root};
  while (!queue.empty()) {
    const uint64_t handle = queue.front();
    queue.pop_front();
    if (graph.objects.size() >= max_nodes) {
      graph.truncated = true;
      graph.unexplored.push_back(handle);
      continue;
    }
    absl::StatusOr<v1::ObjectInfo> info = fetch(handle);
    if (!info.ok()) {
      if (handle == root || !absl::IsNotFound(info.status())) {
        return info.status();
      }
      graph.freed.push_back(handle);
      continue;
    }
    for (uint64_t referent : info->referents()) {
      if (seen.insert(referent).second) queue.push_back(referent);
    }
    graph.objects.push_back(std::move(*info));
  }
  return graph;
}

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

}  // namespace

std::string FormatDot(const ObjectGraph& graph) {
  std::string out = "digraph heap {\n";
  out += "  node [shape=box, fontname=\"monospace\"];\n";
  if (graph.truncated) {
    absl::StrAppend(
        &out, "  // cut at ", graph.objects.size(),
        " objects (--max_nodes); dashed nodes were not inspected\n");
  }
  for (const v1::ObjectInfo& o : graph.objects) {
    absl::StrAppend(&out, "  n", o.handle(), " [label=",
                    Quote(absl::StrCat(o.handle(), " ", TypeName(o.type()),
                                       "\nrefcount ", o.refcount(), ", ",
                                       GenerationLabel(o.generation()))),
                    "];\n");
  }
  for (uint64_t handle : graph.unexplored) {
    absl::StrAppend(&out, "  n", handle, " [label=\"", handle,
                    "\", style=dashed];\n");
  }
  for (uint64_t handle : graph.freed) {
    absl::StrAppend(&out, "  n", handle, " [label=\"", handle,
                    " freed\", style=dotted];\n");
  }
  for (const v1::ObjectInfo& o : graph.objects) {
    for (const v1::FieldLink& field : o.fields()) {
      absl::StrAppend(&out, "  n", o.handle(), " -> n", field.target(),
                      " [label=", Quote(absl::StrCat(".", field.name())),
                      "];\n");
    }
    for (int i = 0; i < o.items_size(); ++i) {
      absl::StrAppend(&out, "  n", o.handle(), " -> n", o.items(i),
                      " [label=\"[", i, "]\"];\n");
    }
  }
  out += "}\n";
  return out;
}

std::string GraphToJson(const ObjectGraph& graph) {
  std::string out = "{\n\"objects\": [";
  for (size_t i = 0; i < graph.objects.size(); ++i) {
    absl::StrAppend(
        &out, i == 0 ? "\n" : ",\n",
        absl::StripTrailingAsciiWhitespace(ToJson(graph.objects[i])));
  }
  // Handles as strings, as the proto3 JSON mapping writes uint64.
  auto handles = [](const std::vector<uint64_t>& list) {
    std::string text = "[";
    for (size_t i = 0; i < list.size(); ++i) {
      absl::StrAppend(&text, i == 0 ? "" : ", ", "\"", list[i], "\"");
    }
    return text + "]";
  };
  absl::StrAppend(&out, "\n],\n\"unexplored\": ", handles(graph.unexplored),
                  ",\n\"freed\": ", handles(graph.freed),
                  ",\n\"truncated\": ", graph.truncated ? "true" : "false",
                  "\n}\n");
  return out;
}

namespace {

int RunDot(Context& context, const Command& self) {
  const Args& args = context.args;
  if (args.words.size() != 1) {
    return UsageError(context, self, "give one handle");
  }
  absl::StatusOr<uint64_t> root = ParseHandle(args.words[0]);
  if (!root.ok()) {
    return UsageError(context, self, std::string(root.status().message()));
  }
  absl::StatusOr<int64_t> max_nodes = args.Int("max_nodes", 100);
  if (!max_nodes.ok() || *max_nodes < 1) {
    return UsageError(context, self, "--max_nodes is a positive integer");
  }
  absl::StatusOr<std::optional<client::Session>> session =
      SessionFor(context, /*temporary_ok=*/true);
  if (!session.ok()) return RpcError(context, session.status());
  const client::Session& s = **session;
  absl::StatusOr<ObjectGraph> graph =
      BuildGraph(*root, static_cast<size_t>(*max_nodes),
                 [&](uint64_t handle) { return s.Inspect(handle); });
  if (!graph.ok()) return RpcError(context, graph.status());
  context.out << (context.json ? GraphToJson(*graph) : FormatDot(*graph));
  return kExitOk;
}

}  // namespace

Command DotCommand() {
  Command command{
      "dot",
      "dot HANDLE [--session=ID] [--max_nodes=100]",
      "the object graph from HANDLE as Graphviz DOT",
      "Breadth-first through Inspect: nodes show handle, type, refcount and\n"
      "generation; edges the field name or item index. Stops after\n"
      "--max_nodes objects. Pipe it to Graphviz: heapctl dot 42 | dot -Tsvg.\n"
      "--json prints the inspected objects instead.\n"
      "Without --session a temporary session is used.\n",
      {"session", "max_nodes"},
      nullptr};
  command.run = [self = command](Context& c) { return RunDot(c, self); };
  return command;
}

}  // namespace heapd::heapctl
