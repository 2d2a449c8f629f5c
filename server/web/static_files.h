// StaticFiles: the page's bundle (index.html and assets/, built by
// tools/build_web into web/dist) served from a folder read at each request.
//
//   GET /             index.html
//   GET /PATH         the file PATH under the folder
//
// Paths with "..", a hidden part, or characters outside [A-Za-z0-9._/-]
// are 404, as are missing files, so nothing outside the folder is ever
// read. Methods other than GET and HEAD: 405. No access control: the files
// hold no heap data (the API they call does).
//
// Thread-safe (immutable).
#ifndef HEAPD_SERVER_WEB_STATIC_FILES_H_
#define HEAPD_SERVER_WEB_STATIC_FILES_H_

#include <string>

#include "server/metrics/http_listener.h"

namespace heapd::server::web {

class StaticFiles {
 public:
  // `root` empty: every request is a 404 saying how to serve the page.
  explicit StaticFiles(std::string root) : root_(std::move(root)) {}

  metrics::HttpRouteReply Serve(const metrics::HttpRouteRequest& request) const;

 private:
  const std::string root_;
};

}  // namespace heapd::server::web

#endif  // HEAPD_SERVER_WEB_STATIC_FILES_H_
