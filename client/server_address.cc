#include "client/server_address.h"

#include <cstdlib>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace heapd::client {
namespace {

// gRPC's resolver schemes (grpc/doc/naming.md): such a target is the
// caller's explicit choice and goes to gRPC as written.
constexpr absl::string_view kTargetSchemes[] = {
    "ipv4:", "ipv6:", "unix:", "unix-abstract:", "dns:", "vsock:"};

}  // namespace

std::string DefaultServerAddress() {
  const char* value = std::getenv(kServerAddressVariable);
  if (value != nullptr && *value != '\0') return value;
  return kBuiltInServerAddress;
}

std::string NothingListensMessage(absl::string_view address) {
  return absl::StrCat(
      "nothing listens on ", address,
      ": is heapd running? (tools/run) Pass --server=HOST:PORT or set ",
      kServerAddressVariable, " to use another address");
}

absl::Status CheckServerAddress(absl::string_view address) {
  for (absl::string_view scheme : kTargetSchemes) {
    if (absl::StartsWith(address, scheme)) return absl::OkStatus();
  }
  const auto expected = [&](absl::string_view example_host,
                            absl::string_view example_port) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", address, "': HOST:PORT expected, e.g. ", example_host,
                     ":", example_port));
  };
  const size_t colon = address.rfind(':');
  const bool bracketed = absl::StartsWith(address, "[");
  // "41861", "localhost", "[::1]": no port; "::1" is an IPv6 host without
  // the brackets that tell its last group from a port.
  if (colon == absl::string_view::npos ||
      (bracketed && address[colon - 1] != ']') ||
      (!bracketed && address.find(':') != colon)) {
    uint32_t number = 0;
    if (absl::SimpleAtoi(address, &number)) {
      return expected("127.0.0.1", address);
    }
    return expected(address.empty() ? "127.0.0.1" : address, "50051");
  }
  const absl::string_view host = address.substr(0, colon);
  const absl::string_view port = address.substr(colon + 1);
  uint32_t number = 0;
  if (host.empty() || host == "[]") return expected("127.0.0.1", port);
  if (!absl::SimpleAtoi(port, &number) || number > 65535 ||
      !absl::c_all_of(port, absl::ascii_isdigit)) {
    return expected(host, "50051");
  }
  if (number == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", address,
        "': port 0 is what a server listens on to be given a free port; "
        "connect to the port it printed ('heapd listening on HOST:PORT')"));
  }
  return absl::OkStatus();
}

}  // namespace heapd::client
