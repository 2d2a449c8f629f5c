// A session's object graph for the web page (GET /api/sessions/ID/graph;
// docs/api.md): the objects the session holds references to, everything
// they reach, and gc.garbage's objects (unreachable but not freed), as
// nodes, and every link between them as a labelled edge.
//
// CaptureSessionGraph walks breadth-first from the session's references
// (those that refer to other objects first, then the leaves), then
// gc.garbage's objects, and stops adding objects at `max_nodes`. To find
// the references with links among many leaves it looks at no more than
// kMaxReferencesScanned of the session's references, so the hold of the
// interpreter lock is bounded however much the session or the heap holds:
// that scan plus O(max_nodes and their links). Links to objects past the
// cap are counted, not listed. Objects the request's Access may not see are
// left out (ObjectHeap).
//
// REQUIRES for CaptureSessionGraph: the caller holds the interpreter lock.
//
// Example (under the lock, as HeapService::LookAtSession runs it):
//   SessionGraph graph = CaptureSessionGraph(heap, owner, 500);
//   std::string json = GraphJson(graph);
#ifndef HEAPD_SERVER_WEB_SESSION_GRAPH_H_
#define HEAPD_SERVER_WEB_SESSION_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "heap/objects/object_heap.h"

namespace heapd::server::web {

struct GraphNode {
  objects::Handle handle = 0;
  objects::ObjectType type = objects::ObjectType::kObject;
  int64_t length = 0;
  int64_t size = 0;
  int64_t refcount = 0;
  // References the session holds (0: reached through links only).
  int64_t session_references = 0;
  int generation = -1;   // 0..2, 3 frozen, -1 untracked
  bool garbage = false;  // in gc.garbage
  bool has_finalizer = false;
  bool finalized = false;
};

struct GraphEdge {
  objects::Handle from = 0;
  objects::Handle to = 0;
  // A field's name, or "[i]" for the i-th item.
  std::string label;
};

struct SessionGraph {
  std::vector<GraphNode> nodes;  // in the order the walk reached them
  std::vector<GraphEdge> edges;
  // The walk stopped at the cap: `links_past_cap` links lead to objects
  // not listed.
  bool truncated = false;
  int64_t links_past_cap = 0;
  size_t max_nodes = 0;
  // How long the walk held the interpreter lock.
  int64_t capture_ns = 0;
};

// The most of a session's references the walk looks at (a record read
// each: about 10 ms for all of them in a heap of 10^6 objects).
inline constexpr size_t kMaxReferencesScanned = 100000;

// The largest cap a request may ask for, and the default.
inline constexpr size_t kMaxGraphNodes = 5000;
inline constexpr size_t kDefaultGraphNodes = 500;

SessionGraph CaptureSessionGraph(const objects::ObjectHeap& heap,
                                 objects::OwnerId owner, size_t max_nodes);

// Handles are written as strings: they are 64-bit, past what a JavaScript
// number holds exactly.
std::string GraphJson(absl::string_view session_id, const SessionGraph& graph);

}  // namespace heapd::server::web

#endif  // HEAPD_SERVER_WEB_SESSION_GRAPH_H_
