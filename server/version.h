// The version heapd reports in Ping and Stats (server.version).
//
// One constant, in one place, so the two RPCs can never disagree. Bump it
// with every change a client could notice on the wire.
#ifndef HEAPD_SERVER_VERSION_H_
#define HEAPD_SERVER_VERSION_H_

namespace heapd::server {

inline constexpr char kHeapdVersion[] = "0.1.0";

}  // namespace heapd::server

#endif  // HEAPD_SERVER_VERSION_H_
