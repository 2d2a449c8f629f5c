// Why a --listen address cannot be served, in words a person can act on.
//
// gRPC only reports that binding failed. When it does, heapd binds the same
// address itself (and closes it at once) to learn the reason from the OS.
//
// Example:
//   absl::Status why = heapd::server::ProbeListenAddress("127.0.0.1:50051");
//   // FAILED_PRECONDITION: "127.0.0.1:50051 is already in use (another
//   heapd?)"
#ifndef HEAPD_SERVER_LISTEN_PROBE_H_
#define HEAPD_SERVER_LISTEN_PROBE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace heapd::server {

// Binds and closes a TCP socket on `listen` ("HOST:PORT", IPv6 hosts in
// brackets), with SO_REUSEADDR as gRPC sets it and without SO_REUSEPORT.
// OK when the bind succeeds; FAILED_PRECONDITION "... is already in use"
// when another socket holds the port; INVALID_ARGUMENT when the host does not
// resolve or is not an address of this machine; UNKNOWN with the OS's words
// otherwise.
absl::Status ProbeListenAddress(absl::string_view listen);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_LISTEN_PROBE_H_
