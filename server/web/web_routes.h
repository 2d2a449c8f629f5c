// The web page's routes on heapd's HTTP listener (docs/web.md, docs/api.md):
//
//   GET /api/stats                  Stats' every section, in protobuf's JSON
//                                   mapping of heapd.v1.StatsResponse
//   GET /api/map                    the heap map (map_json.h); asking for it
//                                   makes snapshots carry it for the next
//                                   kMapWatchWindow
//   GET /api/sessions/ID/graph      a session's object graph
//       [?max_nodes=N]              (session_graph.h), N in 1..5000
//   GET /, /index.html, /assets/... the page (static_files.h)
//
// Errors under /api/ are JSON, {"error": {"code": "NOT_FOUND", "message":
// ...}}: 404 for an unknown path or session, 405 for a method other than
// GET and HEAD, 401 without a known bearer token (with --auth_tokens), 403
// for another identity's session (admins see every session), 400 for a
// malformed session id or max_nodes.
//
// /api/stats and /api/map never take the interpreter lock: they read the
// published snapshot (stats_publisher.h). The graph takes it for a walk
// bounded by max_nodes (HeapService::LookAtSession), its hold counted as
// request kind "WebGraph".
#ifndef HEAPD_SERVER_WEB_WEB_ROUTES_H_
#define HEAPD_SERVER_WEB_WEB_ROUTES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "heap/obmalloc/layout.h"
#include "server/access_control.h"
#include "server/heap_service.h"
#include "server/metrics/http_listener.h"

namespace heapd::server::web {

// How long one GET /api/map keeps the map in the snapshots.
inline constexpr absl::Duration kMapWatchWindow = absl::Seconds(10);

// `service` must outlive the listener serving the routes. `access` may be
// null (no access control); `web_root` empty serves no page.
std::vector<metrics::HttpRoute> WebRoutes(
    HeapService* service, std::shared_ptr<const AccessControl> access,
    const obmalloc::AllocatorLayout& layout, std::string web_root);

}  // namespace heapd::server::web

#endif  // HEAPD_SERVER_WEB_WEB_ROUTES_H_
