#include "server/listen_probe.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace heapd::server {

absl::Status ProbeListenAddress(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", listen, "': expected HOST:PORT"));
  }
  absl::string_view host = listen.substr(0, colon);
  const std::string port(listen.substr(colon + 1));
  // getaddrinfo wants an IPv6 address without its brackets.
  if (absl::ConsumePrefix(&host, "[")) host = absl::StripSuffix(host, "]");
  const std::string host_text(host);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const int resolved =
      getaddrinfo(host_text.empty() ? nullptr : host_text.c_str(), port.c_str(),
                  &hints, &found);
  if (resolved != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve '", host, "': ", gai_strerror(resolved)));
  }
  int bind_errno = 0;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      bind_errno = errno;
      continue;
    }
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    const bool bound = bind(fd, a->ai_addr, a->ai_addrlen) == 0;
    bind_errno = bound ? 0 : errno;
    close(fd);
    if (!bound) break;
  }
  freeaddrinfo(found);
  switch (bind_errno) {
    case 0:
      return absl::OkStatus();
    case EADDRINUSE:
      return absl::FailedPreconditionError(
          absl::StrCat(listen, " is already in use (another heapd?)"));
    case EADDRNOTAVAIL:
      return absl::InvalidArgumentError(
          absl::StrCat(host, " is not an address of this machine"));
    default:
      return absl::UnknownError(absl::StrCat("cannot bind ", listen, ": ",
                                             std::strerror(bind_errno)));
  }
}

}  // namespace heapd::server
