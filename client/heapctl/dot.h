// `heapctl dot HANDLE`: the object graph reachable from one object, as
// Graphviz DOT, found breadth-first through Inspect.
//
// Each object is a node labelled with a short handle (its last hex digits,
// as few as keep the graph's handles apart, at least 4; the whole handle is
// the node's tooltip), its type, refcount and generation. Each reference is
// an edge labelled at its tail, next to the object that holds it: the
// field (`.ref`), the dict key (`["key"]`), the tuple slot or list index
// (`[2]`); set members are unlabelled. Tail labels keep a two-object
// cycle's `.ref` and `.ref` apart, one at each end.
//
// The graph is read the way the collector reads the heap: an object's
// references from outside the drawn objects are its refcount minus the
// edges drawn into it (a session's references, or objects not drawn).
// Objects with such references are roots, drawn bold (and with a double
// border when the viewing session holds them); drawn objects that no root
// reaches are unreachable, drawn grey and dashed: the collector's to find.
// A legend explains the marks used.
//
// The walk stops after `max_nodes` objects: targets not inspected then are
// drawn dashed with their handle only, and a comment says the graph was
// cut. An object that vanished during the walk (NOT_FOUND) is drawn as
// "freed".
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

#include "absl/container/flat_hash_map.h"
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

// Walks from each of `starts` in turn (a scenario's names); a start that is
// NOT_FOUND is recorded as freed. REQUIRES: max_nodes >= 1.
absl::StatusOr<ObjectGraph> BuildGraphFrom(const std::vector<uint64_t>& starts,
                                           size_t max_nodes,
                                           const FetchObject& fetch);

struct DotOptions {
  // Names to show instead of the short handle (a scenario's variables,
  // "a" or "a (deleted)"), by handle.
  absl::flat_hash_map<uint64_t, std::vector<std::string>> names;
};

std::string FormatDot(const ObjectGraph& graph, const DotOptions& options = {});

// The shortest lowercase hex suffix, at least `min_digits` long, that tells
// every handle of `handles` apart: 4 for 0x1234 and 0xabcd, 5 for 0x11234
// and 0x21234.
size_t ShortHandleDigits(const std::vector<uint64_t>& handles,
                         size_t min_digits = 4);

// --json: {"objects": [ObjectInfo...], "unexplored": [...], "freed": [...],
// "truncated": bool}, each ObjectInfo as heapctl inspect --json prints it.
std::string GraphToJson(const ObjectGraph& graph);

Command DotCommand();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_DOT_H_
