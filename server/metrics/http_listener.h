// HttpListener: heapd's HTTP endpoint for monitoring, on its own port
// (--http_listen), served by civetweb's threads:
//
//   GET /metrics   every collectable's families, in the Prometheus text
//                  format or OpenMetrics (exposition.h)
//   GET /healthz   "ok"
//   other paths    the first of `routes` whose prefix matches (a prefix
//                  ending in '/' matches every path under it, any other
//                  only itself), which answers every method itself; 404
//                  when none does. Otherwise: other methods than GET and
//                  HEAD: 405
//
// With access control, /metrics needs `Authorization: Bearer TOKEN` with
// any token of the tokens file (401 without one, or with an unknown one);
// /healthz never does, so that load balancers can probe it.
//
// Collectables are read at each scrape, from civetweb's threads: they must
// be thread-safe and must not wait for the interpreter lock.
//
// Threads: Start and the destructor from one thread; requests are served
// on civetweb's own threads until the destructor returns.
//
// Example:
//   absl::StatusOr<std::unique_ptr<HttpListener>> http = HttpListener::Start(
//       "127.0.0.1:0", {collectable}, access);
//   std::cout << "metrics on port " << (*http)->port();
#ifndef HEAPD_SERVER_METRICS_HTTP_LISTENER_H_
#define HEAPD_SERVER_METRICS_HTTP_LISTENER_H_

#include <prometheus/collectable.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/access_control.h"

struct mg_context;
struct mg_connection;

namespace heapd::server::metrics {

// What a route's handler sees of a request.
struct HttpRouteRequest {
  std::string method;
  std::string path;           // without the query
  std::string query;          // after '?', undecoded; empty if none
  std::string authorization;  // the header's value; empty if none
};

// A route's answer; the listener adds Content-Length and Connection, and
// leaves the body out for HEAD.
struct HttpRouteReply {
  int code = 200;
  std::string reason = "OK";
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  // Further header lines, each ending in "\r\n".
  std::string extra_headers;
};

// More paths for the listener. The handler runs on civetweb's threads, any
// number at once: it must be thread-safe.
struct HttpRoute {
  std::string prefix;
  std::function<HttpRouteReply(const HttpRouteRequest&)> handler;
};

class HttpListener {
 public:
  // Serves on `listen` ("HOST:PORT"; port 0 picks a free one). `access` may
  // be null (no access control). UNAVAILABLE if the address cannot be bound.
  // `routes` serve the paths other than /metrics and /healthz.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      absl::string_view listen,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::shared_ptr<const AccessControl> access,
      std::vector<HttpRoute> routes = {});
  // Stops serving; waits for requests in progress.
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  HttpListener(
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::shared_ptr<const AccessControl> access,
      std::vector<HttpRoute> routes);
  // The route serving `path`, or null.
  const HttpRoute* RouteFor(absl::string_view path) const;
  static int Handle(mg_connection* connection, void* self);
  int Serve(mg_connection* connection);
  // Opens and closes a connection to the listener, which ends civetweb's
  // wait for one.
  void WakeAcceptLoop() const;

  const std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  const std::shared_ptr<const AccessControl> access_;
  const std::vector<HttpRoute> routes_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  // The host WakeAcceptLoop connects to.
  std::string wake_host_;
};

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_HTTP_LISTENER_H_
