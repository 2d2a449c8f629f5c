#include "server/web/session_graph.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "heap/objects/object_type.h"
#include "server/web/json_writer.h"

namespace heapd::server::web {

SessionGraph CaptureSessionGraph(const objects::ObjectHeap& heap,
                                 objects::OwnerId owner, size_t max_nodes) {
  const auto started = std::chrono::steady_clock::now();
  SessionGraph graph;
  graph.max_nodes = max_nodes;
  // Handles in the graph (visited or queued), by their node's index once
  // visited.
  absl::flat_hash_set<objects::Handle> listed;
  std::deque<objects::Handle> queue;
  auto enqueue = [&](objects::Handle handle) {
    if (listed.contains(handle)) return true;
    if (listed.size() >= max_nodes) return false;
    listed.insert(handle);
    queue.push_back(handle);
    return true;
  };
  std::vector<objects::OwnedObject> roots =
      heap.OwnerHandles(owner, max_nodes, kMaxReferencesScanned);
  // Objects with links first, so that a session holding many leaves still
  // shows its structure under the cap; then by handle, so that one look is
  // laid out as the last.
  std::sort(roots.begin(), roots.end(),
            [](const objects::OwnedObject& x, const objects::OwnedObject& y) {
              return std::tie(y.has_links, x.handle) <
                     std::tie(x.has_links, y.handle);
            });
  const std::vector<objects::Handle> garbage_list = heap.GarbageHandles();
  const absl::flat_hash_set<objects::Handle> garbage(garbage_list.begin(),
                                                     garbage_list.end());
  std::vector<objects::Handle> starts;
  starts.reserve(roots.size() + garbage_list.size());
  for (const objects::OwnedObject& root : roots) starts.push_back(root.handle);
  starts.insert(starts.end(), garbage_list.begin(), garbage_list.end());
  // Everything one start reaches before the next start: under the cap, a
  // structure is shown whole rather than the first object of each.
  for (const objects::Handle start : starts) {
    if (!enqueue(start)) {
      graph.truncated = true;
      break;
    }
    while (!queue.empty()) {
      const objects::Handle handle = queue.front();
      queue.pop_front();
      absl::StatusOr<objects::ObjectInfo> info =
          heap.Inspect(handle, owner, /*with_referrers=*/false);
      if (!info.ok()) continue;
      GraphNode& node = graph.nodes.emplace_back();
      node.handle = handle;
      node.type = info->type;
      node.length = info->length;
      node.size = static_cast<int64_t>(info->size);
      node.refcount = info->refcount;
      node.session_references = info->owner_references;
      node.generation = info->generation;
      node.garbage = garbage.contains(handle);
      node.has_finalizer = info->has_finalizer;
      node.finalized = info->finalized;
      auto link = [&](objects::Handle target, std::string label) {
        if (enqueue(target)) {
          graph.edges.push_back({handle, target, std::move(label)});
        } else {
          graph.truncated = true;
          ++graph.links_past_cap;
        }
      };
      for (const objects::FieldLink& field : info->fields) {
        link(field.target, field.name);
      }
      for (size_t i = 0; i < info->items.size(); ++i) {
        link(info->items[i], absl::StrCat("[", i, "]"));
      }
    }
  }
  graph.capture_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  return graph;
}

std::string GraphJson(absl::string_view session_id, const SessionGraph& graph) {
  JsonWriter w;
  w.BeginObject();
  w.Key("session_id");
  w.String(session_id);
  w.Key("max_nodes");
  w.Int(static_cast<int64_t>(graph.max_nodes));
  w.Key("truncated");
  w.Bool(graph.truncated);
  w.Key("links_past_cap");
  w.Int(graph.links_past_cap);
  w.Key("capture_ns");
  w.Int(graph.capture_ns);
  w.Key("nodes");
  w.BeginArray();
  for (const GraphNode& node : graph.nodes) {
    w.BeginObject();
    w.Key("id");
    w.String(absl::StrCat(node.handle));
    w.Key("type");
    w.String(objects::ObjectTypeName(node.type));
    w.Key("length");
    w.Int(node.length);
    w.Key("size");
    w.Int(node.size);
    w.Key("refcount");
    w.Int(node.refcount);
    w.Key("session_references");
    w.Int(node.session_references);
    w.Key("generation");
    w.Int(node.generation);
    w.Key("garbage");
    w.Bool(node.garbage);
    w.Key("has_finalizer");
    w.Bool(node.has_finalizer);
    w.Key("finalized");
    w.Bool(node.finalized);
    w.EndObject();
  }
  w.EndArray();
  w.Key("edges");
  w.BeginArray();
  for (const GraphEdge& edge : graph.edges) {
    w.BeginObject();
    w.Key("from");
    w.String(absl::StrCat(edge.from));
    w.Key("to");
    w.String(absl::StrCat(edge.to));
    w.Key("label");
    w.String(edge.label);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace heapd::server::web
