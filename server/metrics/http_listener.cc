#include "server/metrics/http_listener.h"

#include <civetweb.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/metrics/exposition.h"

namespace heapd::server::metrics {
namespace {

int Reply(mg_connection* connection, int code, absl::string_view reason,
          absl::string_view content_type, absl::string_view body,
          absl::string_view extra_headers = "") {
  const mg_request_info* request = mg_get_request_info(connection);
  const bool head = request != nullptr && request->request_method != nullptr &&
                    absl::string_view(request->request_method) == "HEAD";
  const std::string header = absl::StrCat(
      "HTTP/1.1 ", code, " ", reason, "\r\nContent-Type: ", content_type,
      "\r\nContent-Length: ", body.size(), "\r\n", extra_headers,
      "Connection: close\r\n\r\n");
  mg_write(connection, header.data(), header.size());
  if (!head) mg_write(connection, body.data(), body.size());
  return code;
}

constexpr absl::string_view kPlain = "text/plain; charset=utf-8";

// Failures civetweb reports while starting, for Start's error.
int LogMessage(const mg_connection*, const char* message) {
  (void)message;
  return 1;  // handled: keep civetweb from printing it
}

}  // namespace

HttpListener::HttpListener(
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
    std::shared_ptr<const AccessControl> access, std::vector<HttpRoute> routes)
    : collectables_(std::move(collectables)),
      access_(std::move(access)),
      routes_(std::move(routes)) {}

absl::StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(
    absl::string_view listen,
    std::vector<std::shared_ptr<prometheus::Collectable>> collectables,
    std::shared_ptr<const AccessControl> access,
    std::vector<HttpRoute> routes) {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  // civetweb answers an IPv6 address it was built without with "Failed to
  // setup server ports", which reads like a port in use.
  constexpr unsigned kCivetwebIpv6 = 8;
  if (absl::StartsWith(listen, "[") && mg_check_feature(kCivetwebIpv6) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot serve HTTP on ", listen,
        ": the HTTP library (civetweb) is built without IPv6; use an IPv4 "
        "address such as 127.0.0.1"));
  }
  std::unique_ptr<HttpListener> listener(new HttpListener(
      std::move(collectables), std::move(access), std::move(routes)));
  const std::string ports(listen);
  const char* options[] = {"listening_ports", ports.c_str(),
                           // A page asks for the snapshot and the map at
                           // once (a graph waits for the interpreter lock):
                           // four threads serve it beside a scraper and a
                           // health probe.
                           "num_threads", "4", "enable_keep_alive", "no",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = LogMessage;
  char error[256] = {0};
  mg_init_data init_data{};
  init_data.callbacks = &callbacks;
  init_data.user_data = listener.get();
  init_data.configuration_options = options;
  mg_error_data error_data{};
  error_data.text = error;
  error_data.text_buffer_size = sizeof(error);
  listener->context_ = mg_start2(&init_data, &error_data);
  if (listener->context_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", listen, ": ",
                     error[0] != '\0' ? error : "civetweb could not start"));
  }
  mg_set_request_handler(listener->context_, "/", &HttpListener::Handle,
                         listener.get());
  // Where a connection of our own reaches the listener (see ~HttpListener):
  // the host it serves, or this machine's loopback when it serves them all.
  absl::string_view host = listen.substr(0, listen.rfind(':'));
  if (absl::ConsumePrefix(&host, "[")) host = absl::StripSuffix(host, "]");
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  listener->wake_host_ = std::string(host);
  mg_server_port port{};
  if (mg_get_server_ports(listener->context_, 1, &port) < 1) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve HTTP on ", listen, ": no port bound"));
  }
  listener->port_ = port.port;
  return listener;
}

HttpListener::~HttpListener() {
  if (context_ == nullptr) return;
  // civetweb 1.15's accept loop reads its stop flag only between polls of
  // its sockets, each up to 2 s long: a connection of our own ends the poll,
  // so heapd stops at once rather than about a second later.
  std::atomic<bool> stopped{false};
  std::thread stopper([this, &stopped] {
    mg_stop(context_);
    stopped.store(true);
  });
  while (!stopped.load()) {
    WakeAcceptLoop();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stopper.join();
}

void HttpListener::WakeAcceptLoop() const {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = absl::StrCat(port_);
  if (getaddrinfo(wake_host_.c_str(), port.c_str(), &hints, &found) != 0) {
    return;
  }
  const int fd = socket(found->ai_family, found->ai_socktype, 0);
  if (fd >= 0) {
    // Refused once the listener has closed: nothing left to wake.
    (void)connect(fd, found->ai_addr, found->ai_addrlen);
    close(fd);
  }
  freeaddrinfo(found);
}

const HttpRoute* HttpListener::RouteFor(absl::string_view path) const {
  for (const HttpRoute& route : routes_) {
    if (path == route.prefix || (absl::EndsWith(route.prefix, "/") &&
                                 absl::StartsWith(path, route.prefix))) {
      return &route;
    }
  }
  return nullptr;
}

int HttpListener::Handle(mg_connection* connection, void* self) {
  return static_cast<HttpListener*>(self)->Serve(connection);
}

int HttpListener::Serve(mg_connection* connection) {
  const mg_request_info* request = mg_get_request_info(connection);
  const absl::string_view path =
      request->local_uri != nullptr ? request->local_uri : "";
  const absl::string_view method =
      request->request_method != nullptr ? request->request_method : "";
  if (path != "/metrics" && path != "/healthz") {
    if (const HttpRoute* route = RouteFor(path); route != nullptr) {
      const char* authorization = mg_get_header(connection, "Authorization");
      const HttpRouteReply reply = route->handler(
          {.method = std::string(method),
           .path = std::string(path),
           .query =
               request->query_string != nullptr ? request->query_string : "",
           .authorization = authorization != nullptr ? authorization : ""});
      return Reply(connection, reply.code, reply.reason, reply.content_type,
                   reply.body, reply.extra_headers);
    }
    return Reply(connection, 404, "Not Found", kPlain,
                 "not found: heapd serves /metrics and /healthz\n");
  }
  if (method != "GET" && method != "HEAD") {
    return Reply(connection, 405, "Method Not Allowed", kPlain,
                 "method not allowed: use GET\n", "Allow: GET, HEAD\r\n");
  }
  if (path == "/healthz") return Reply(connection, 200, "OK", kPlain, "ok\n");
  if (access_ != nullptr) {
    const char* authorization = mg_get_header(connection, "Authorization");
    if (authorization == nullptr ||
        !access_->Authenticate(authorization).ok()) {
      return Reply(connection, 401, "Unauthorized", kPlain,
                   "unauthenticated: send 'Authorization: Bearer TOKEN' with "
                   "a token of --auth_tokens\n",
                   "WWW-Authenticate: Bearer realm=\"heapd\"\r\n");
    }
  }
  const char* accept = mg_get_header(connection, "Accept");
  const Format format = NegotiateFormat(accept != nullptr ? accept : "");
  std::vector<prometheus::MetricFamily> families;
  for (const std::shared_ptr<prometheus::Collectable>& c : collectables_) {
    std::vector<prometheus::MetricFamily> more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  // Each civetweb thread keeps its body's capacity from one scrape to the
  // next, so that a body of some 100 KB is not grown (and its pages faulted
  // in) afresh at every scrape.
  thread_local std::string body;
  body.clear();
  SerializeTo(families, format, &body);
  return Reply(connection, 200, "OK", ContentType(format), body);
}

}  // namespace heapd::server::metrics
