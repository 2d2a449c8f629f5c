// HttpListener: heapd's HTTP endpoint for monitoring, on its own port
// (--http_listen), served by civetweb's threads:
//
//   GET /metrics   every collectable's families, in the Prometheus text
//                  format or OpenMetrics (exposition.h)
//   GET /healthz   "ok"
//   other paths    404;  other methods than GET and HEAD: 405
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

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/access_control.h"

struct mg_context;
struct mg_connection;

namespace heapd::server::metrics {

class HttpListener {
 public:
  // Serves on `listen` ("HOST:PORT"; port 0 picks a free one). `access` may
  // be null (no access control). UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpListener>> Start(
      absl::string_view listen,
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::shared_ptr<const AccessControl> access);
  // Stops serving; waits for requests in progress.
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  HttpListener(
      std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
      std::shared_ptr<const AccessControl> access);
  static int Handle(mg_connection* connection, void* self);
  int Serve(mg_connection* connection);
  // Opens and closes a connection to the listener, which ends civetweb's
  // wait for one.
  void WakeAcceptLoop() const;

  const std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  const std::shared_ptr<const AccessControl> access_;
  mg_context* context_ = nullptr;
  int port_ = 0;
  // The host WakeAcceptLoop connects to.
  std::string wake_host_;
};

}  // namespace heapd::server::metrics

#endif  // HEAPD_SERVER_METRICS_HTTP_LISTENER_H_
