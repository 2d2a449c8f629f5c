#include "server/connection_counter.h"

#include <grpc/grpc.h>
#include <grpc/support/alloc.h>

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace heapd::server {
namespace {

// The channelz calls return a malloc'd JSON string (or null).
std::string TakeJson(char* json) {
  if (json == nullptr) return "";
  std::string copy(json);
  gpr_free(json);
  return copy;
}

// Every integer value of `"key":"123"` in `json`, in order. Channelz writes
// ids as JSON strings.
std::vector<int64_t> IdsOf(absl::string_view json, absl::string_view key) {
  std::vector<int64_t> ids;
  const std::string needle = "\"" + std::string(key) + "\":\"";
  size_t at = 0;
  while ((at = json.find(needle, at)) != absl::string_view::npos) {
    at += needle.size();
    const size_t end = json.find('"', at);
    if (end == absl::string_view::npos) break;
    int64_t id = 0;
    if (absl::SimpleAtoi(json.substr(at, end - at), &id)) ids.push_back(id);
    at = end;
  }
  return ids;
}

bool IsLastPage(absl::string_view json) {
  return json.find("\"end\":true") != absl::string_view::npos;
}

}  // namespace

int64_t ConnectionCounter::CountNow() {
  constexpr int64_t kPage = 100;
  int64_t open = 0;
  int64_t next_server = 0;
  for (;;) {
    const std::string servers =
        TakeJson(grpc_channelz_get_servers(next_server));
    const std::vector<int64_t> server_ids = IdsOf(servers, "serverId");
    for (int64_t server : server_ids) {
      int64_t next_socket = 0;
      for (;;) {
        const std::string sockets = TakeJson(
            grpc_channelz_get_server_sockets(server, next_socket, kPage));
        const std::vector<int64_t> socket_ids = IdsOf(sockets, "socketId");
        open += static_cast<int64_t>(socket_ids.size());
        if (socket_ids.empty() || IsLastPage(sockets)) break;
        next_socket = socket_ids.back() + 1;
      }
    }
    if (server_ids.empty() || IsLastPage(servers)) break;
    next_server = server_ids.back() + 1;
  }
  return open;
}

int64_t ConnectionCounter::Count() {
  MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now - counted_at_ >= refresh_) {
    count_ = CountNow();
    counted_at_ = now;
  }
  return count_;
}

}  // namespace heapd::server
