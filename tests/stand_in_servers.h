// What a client may find at an address instead of heapd, for the tests of
// what clients say then: nothing at all, or a gRPC server that is not heapd.
//
// Example:
//   const std::string closed = ClosedLoopbackAddress();  // "127.0.0.1:P"
//   NotHeapdServer other;                                 // serves Health only
//   RunHeapctl({"ping", "--server=" + other.address()});
#ifndef HEAPD_TESTS_STAND_IN_SERVERS_H_
#define HEAPD_TESTS_STAND_IN_SERVERS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "tests/grpc_health.grpc.pb.h"

namespace heapd {

// "127.0.0.1:PORT" for a port the OS just gave a socket that is closed
// again: nothing listens there.
std::string ClosedLoopbackAddress();

// A gRPC server on 127.0.0.1 with a free port that serves
// grpc.health.v1.Health and nothing else; stopped by the destructor.
class NotHeapdServer {
 public:
  NotHeapdServer();
  ~NotHeapdServer();
  NotHeapdServer(const NotHeapdServer&) = delete;
  NotHeapdServer& operator=(const NotHeapdServer&) = delete;

  // "127.0.0.1:PORT"; empty if the server could not start.
  const std::string& address() const { return address_; }

 private:
  grpc::health::v1::Health::Service health_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

}  // namespace heapd

#endif  // HEAPD_TESTS_STAND_IN_SERVERS_H_
