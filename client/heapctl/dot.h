// `heapctl dot HANDLE`: the object graph reachable from one object, as
// Graphviz DOT, found breadth-first through Inspect.
//
// Each object is a node labelled with its handle, type, refcount and
// generation; each reference an edge labelled with the field name
// (`.ref`) or item index (`[2]`). The walk stops after `max_nodes`
// objects: targets not inspected then are drawn dashed with their handle
// only, and a comment says the graph was cut. An object that vanished
// during the walk (NOT_FOUND) is drawn as "freed".
//
//   heapctl dot 42 --session=$S | dot -Tsvg > heap.svg
//
// BuildGraph and FormatDot are pure (the walk takes the fetch function).
#ifndef HEAPD_CLIENT_HEAPCTL_DOT_H_
#define HEAPD_CLIENT_HEAPCTL_DOT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

struct ObjectGraph {
  // Inspected objects, in breadth-first order (the root first).
  std::vector<v1::ObjectInfo> objects;
  // Handles referred to but not inspected (the walk was cut).
  std::vector<uint64_t> unexplored;
  // Handles that were NOT_FOUND when inspected.
  std::vector<uint64_t> freed;
  bool truncated = false;
};

using FetchObject = std::function<absl::StatusOr<v1::ObjectInfo>(uint64_t)>;

// Walks from `root`. Fails only if the root itself cannot be inspected or a
// fetch fails with something other than NOT_FOUND. REQUIRES: max_nodes >= 1.
absl::StatusOr<ObjectGraph> BuildGraph(uint64_t root, size_t max_nodes,
                                       const FetchObject& fetch);

std::string FormatDot(const ObjectGraph& graph);

// --json: {"objects": [ObjectInfo...], "unexplored": [...], "freed": [...],
// "truncated": bool}, each ObjectInfo as heapctl inspect --json prints it.
std::string GraphToJson(const ObjectGraph& graph);

Command DotCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_DOT_H_
