#include "tests/stand_in_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace heapd {

std::string ClosedLoopbackAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
}

NotHeapdServer::NotHeapdServer() {
  grpc::ServerBuilder builder;
  builder.RegisterService(&health_);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  server_ = builder.BuildAndStart();
  if (server_ != nullptr) address_ = absl::StrCat("127.0.0.1:", port);
}

NotHeapdServer::~NotHeapdServer() {
  if (server_ != nullptr) server_->Shutdown();
}

}  // namespace heapd
