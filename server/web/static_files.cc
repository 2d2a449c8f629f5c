#include "server/web/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace heapd::server::web {
namespace {

metrics::HttpRouteReply NotFound(absl::string_view why) {
  metrics::HttpRouteReply reply;
  reply.code = 404;
  reply.reason = "Not Found";
  reply.body = absl::StrCat(why, "\n");
  return reply;
}

absl::string_view ContentType(absl::string_view path) {
  if (absl::EndsWith(path, ".html")) return "text/html; charset=utf-8";
  if (absl::EndsWith(path, ".js")) return "text/javascript; charset=utf-8";
  if (absl::EndsWith(path, ".css")) return "text/css; charset=utf-8";
  if (absl::EndsWith(path, ".svg")) return "image/svg+xml";
  if (absl::EndsWith(path, ".png")) return "image/png";
  if (absl::EndsWith(path, ".json")) return "application/json";
  if (absl::EndsWith(path, ".map")) return "application/json";
  return "application/octet-stream";
}

// Whether `path` (after the leading '/') names a file under the root only.
bool Safe(absl::string_view path) {
  for (const char c : path) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '/' &&
        c != '-') {
      return false;
    }
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty() || part[0] == '.') return false;
  }
  return true;
}

}  // namespace

metrics::HttpRouteReply StaticFiles::Serve(
    const metrics::HttpRouteRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return {.code = 405,
            .reason = "Method Not Allowed",
            .body = "method not allowed: use GET\n",
            .extra_headers = "Allow: GET, HEAD\r\n"};
  }
  if (root_.empty()) {
    return NotFound(
        "not found: this heapd serves no page; start it with "
        "--web_root=DIR (tools/run does, with web/dist)");
  }
  absl::string_view path = request.path;
  if (path == "/") path = "/index.html";
  path.remove_prefix(1);
  if (!Safe(path)) return NotFound("not found");
  const std::string file_path = absl::StrCat(root_, "/", path);
  std::error_code error;
  if (!std::filesystem::is_regular_file(file_path, error)) {
    return NotFound(absl::StrCat("not found: ", path));
  }
  std::ifstream file(file_path, std::ios::binary);
  if (!file) return NotFound(absl::StrCat("not found: ", path));
  std::ostringstream body;
  body << file.rdbuf();
  return {.code = 200,
          .reason = "OK",
          .content_type = std::string(ContentType(path)),
          .body = body.str(),
          .extra_headers = "Cache-Control: no-cache\r\n"};
}

}  // namespace heapd::server::web
