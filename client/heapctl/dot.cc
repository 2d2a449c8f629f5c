#include "client/heapctl/dot.h"

#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/heapctl/json.h"

namespace heapd::heapctl {

namespace {

// Breadth-first from each start in turn. `start_must_exist`: a start that
// is NOT_FOUND fails the walk rather than being recorded as freed.
absl::StatusOr<ObjectGraph> Walk(const std::vector<uint64_t>& starts,
                                 size_t max_nodes, const FetchObject& fetch,
                                 bool start_must_exist) {
  ObjectGraph graph;
  std::set<uint64_t> seen;
  std::deque<uint64_t> queue;
  for (uint64_t start : starts) {
    if (!seen.insert(start).second) continue;
    queue.push_back(start);
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
        if (!absl::IsNotFound(info.status()) ||
            (start_must_exist && handle == start)) {
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
  }
  return graph;
}

}  // namespace

absl::StatusOr<ObjectGraph> BuildGraph(uint64_t root, size_t max_nodes,
                                       const FetchObject& fetch) {
  return Walk({root}, max_nodes, fetch, /*start_must_exist=*/true);
}

absl::StatusOr<ObjectGraph> BuildGraphFrom(const std::vector<uint64_t>& starts,
                                           size_t max_nodes,
                                           const FetchObject& fetch) {
  return Walk(starts, max_nodes, fetch, /*start_must_exist=*/false);
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
