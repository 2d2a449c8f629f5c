#include "server/web/web_routes.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/web/json_writer.h"
#include "server/web/map_json.h"
#include "server/web/session_graph.h"
#include "server/web/static_files.h"

namespace heapd::server::web {
namespace {

using metrics::HttpRouteReply;
using metrics::HttpRouteRequest;

constexpr absl::string_view kJson = "application/json";

HttpRouteReply Json(std::string body) {
  return {.code = 200,
          .reason = "OK",
          .content_type = std::string(kJson),
          .body = std::move(body),
          .extra_headers = "Cache-Control: no-store\r\n"};
}

// An error document with the HTTP code that matches `status`'s canonical
// code.
HttpRouteReply Error(const absl::Status& status,
                     std::string extra_headers = "") {
  int code = 500;
  absl::string_view reason = "Internal Server Error";
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      code = 400, reason = "Bad Request";
      break;
    case absl::StatusCode::kUnauthenticated:
      code = 401, reason = "Unauthorized";
      break;
    case absl::StatusCode::kPermissionDenied:
      code = 403, reason = "Forbidden";
      break;
    case absl::StatusCode::kNotFound:
      code = 404, reason = "Not Found";
      break;
    case absl::StatusCode::kUnimplemented:
      code = 405, reason = "Method Not Allowed";
      break;
    default:
      break;
  }
  JsonWriter w;
  w.BeginObject();
  w.Key("error");
  w.BeginObject();
  w.Key("code");
  w.String(absl::StatusCodeToString(status.code()));
  w.Key("message");
  w.String(status.message());
  w.EndObject();
  w.EndObject();
  return {.code = code,
          .reason = std::string(reason),
          .content_type = std::string(kJson),
          .body = w.Take(),
          .extra_headers = std::move(extra_headers)};
}

// The value of `name` in a query string ("a=1&b=2"), or empty.
absl::string_view QueryValue(absl::string_view query, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (absl::ConsumePrefix(&pair, name) && absl::ConsumePrefix(&pair, "=")) {
      return pair;
    }
  }
  return "";
}

// A session id as SessionManager makes them: 32 hex digits.
bool WellFormedSessionId(absl::string_view id) {
  if (id.size() != 32) return false;
  for (const char c : id) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return true;
}

class Api {
 public:
  Api(HeapService* service, std::shared_ptr<const AccessControl> access,
      const obmalloc::AllocatorLayout& layout)
      : service_(service), access_(std::move(access)), layout_(layout) {}

  HttpRouteReply Serve(const HttpRouteRequest& request) const {
    absl::string_view path = request.path;
    absl::ConsumePrefix(&path, "/api/");
    std::string session_id;
    enum { kStats, kMap, kGraph } what;
    if (path == "stats") {
      what = kStats;
    } else if (path == "map") {
      what = kMap;
    } else if (absl::ConsumePrefix(&path, "sessions/") &&
               absl::ConsumeSuffix(&path, "/graph") &&
               !absl::StrContains(path, '/')) {
      what = kGraph;
      session_id = std::string(path);
    } else {
      return Error(absl::NotFoundError(absl::StrCat(
          "no such API: ", request.path,
          "; heapd serves /api/stats, /api/map and /api/sessions/ID/graph")));
    }
    if (request.method != "GET" && request.method != "HEAD") {
      return Error(absl::UnimplementedError(absl::StrCat(
                       "method ", request.method, " not allowed: use GET")),
                   "Allow: GET, HEAD\r\n");
    }
    Caller caller;
    if (access_ != nullptr) {
      absl::StatusOr<Caller> known =
          access_->Authenticate(request.authorization);
      if (!known.ok()) {
        return Error(absl::UnauthenticatedError(
                         "send 'Authorization: Bearer TOKEN' with a token of "
                         "--auth_tokens"),
                     "WWW-Authenticate: Bearer realm=\"heapd\"\r\n");
      }
      caller = *std::move(known);
    }
    switch (what) {
      case kStats:
        return Stats(caller);
      case kMap:
        return Map();
      case kGraph:
        return Graph(caller, session_id, request.query);
    }
    return Error(absl::InternalError("unreachable"));
  }

 private:
  HttpRouteReply Stats(const Caller& caller) const {
    v1::StatsResponse stats;
    service_->FillStatsFor(caller, &stats);
    google::protobuf::util::JsonPrintOptions options;
    // Zeros too: a dashboard finds every field in every answer.
    options.always_print_primitive_fields = true;
    std::string json;
    const auto status =
        google::protobuf::util::MessageToJsonString(stats, &json, options);
    if (!status.ok()) {
      return Error(absl::InternalError(std::string(status.message())));
    }
    return Json(std::move(json));
  }

  HttpRouteReply Map() const {
    StatsPublisher& publisher = service_->publisher();
    publisher.WatchMap(absl::Now() + kMapWatchWindow);
    const std::shared_ptr<const StatsSnapshot> latest = publisher.Latest();
    if (latest == nullptr || latest->map == nullptr) {
      return Json(PendingMapJson(layout_));
    }
    return Json(MapJson(*latest, layout_, kMaxMapPools));
  }

  HttpRouteReply Graph(const Caller& caller, const std::string& session_id,
                       absl::string_view query) const {
    if (!WellFormedSessionId(session_id)) {
      return Error(absl::InvalidArgumentError(
          absl::StrCat("malformed session id '", session_id,
                       "': a session id is 32 hex digits")));
    }
    size_t max_nodes = kDefaultGraphNodes;
    if (const absl::string_view asked = QueryValue(query, "max_nodes");
        !asked.empty()) {
      if (!absl::SimpleAtoi(asked, &max_nodes) || max_nodes < 1 ||
          max_nodes > kMaxGraphNodes) {
        return Error(absl::InvalidArgumentError(
            absl::StrCat("max_nodes must be from 1 to ", kMaxGraphNodes)));
      }
    }
    SessionGraph graph;
    const absl::Status status = service_->LookAtSession(
        caller, session_id,
        [&](objects::ObjectHeap& heap, objects::OwnerId owner) {
          graph = CaptureSessionGraph(heap, owner, max_nodes);
        });
    if (!status.ok()) return Error(status);
    // Built after the lock is released.
    return Json(GraphJson(session_id, graph));
  }

  HeapService* const service_;
  const std::shared_ptr<const AccessControl> access_;
  const obmalloc::AllocatorLayout layout_;
};

}  // namespace

std::vector<metrics::HttpRoute> WebRoutes(
    HeapService* service, std::shared_ptr<const AccessControl> access,
    const obmalloc::AllocatorLayout& layout, std::string web_root) {
  auto api = std::make_shared<const Api>(service, std::move(access), layout);
  auto files = std::make_shared<const StaticFiles>(std::move(web_root));
  return {
      {"/api/",
       [api](const HttpRouteRequest& request) { return api->Serve(request); }},
      {"/", [files](const HttpRouteRequest& request) {
         return files->Serve(request);
       }}};
}

}  // namespace heapd::server::web
