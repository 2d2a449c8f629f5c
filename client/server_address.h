// Where clients find heapd: the default address, the HEAPD_SERVER variable
// that overrides it for every client, and the check of an address a person
// typed.
//
// Example:
//   setenv("HEAPD_SERVER", "127.0.0.1:7000", 1);
//   heapd::client::DefaultServerAddress();              // "127.0.0.1:7000"
//   heapd::client::CheckServerAddress("41861");
//   // INVALID_ARGUMENT: "'41861': HOST:PORT expected, e.g. 127.0.0.1:41861"
#ifndef HEAPD_CLIENT_SERVER_ADDRESS_H_
#define HEAPD_CLIENT_SERVER_ADDRESS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace heapd::client {

// Where heapd listens unless told otherwise (heapd's own --listen default).
inline constexpr char kBuiltInServerAddress[] = "127.0.0.1:50051";

// The environment variable that sets every client's default address.
inline constexpr char kServerAddressVariable[] = "HEAPD_SERVER";

// $HEAPD_SERVER when set and not empty, else kBuiltInServerAddress.
std::string DefaultServerAddress();

// OK for HOST:PORT (an IPv6 host in brackets) with PORT 1..65535, and for
// gRPC target URIs naming their scheme (ipv4:, ipv6:, unix:, dns:, ...).
// INVALID_ARGUMENT otherwise, with a message saying what was expected: a
// bare port, a host without a port, and port 0 (what a server asks for to
// get a free port, never where one listens).
absl::Status CheckServerAddress(absl::string_view address);

// What every client says when nothing accepts connections at `address`:
// "nothing listens on ADDRESS: is heapd running? (tools/run) Pass
// --server=HOST:PORT or set HEAPD_SERVER to use another address".
std::string NothingListensMessage(absl::string_view address);

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_SERVER_ADDRESS_H_
