// ClientOptions: how a HeapClient reaches heapd.
//
// Everything has a default that works against a local `tools/run`: the
// address $HEAPD_SERVER or else 127.0.0.1:50051 (server_address.h), insecure
// credentials, a 10 s deadline per call.
// `credentials` (TLS) and `bearer_token` (access control) match heapd's
// --tls_* and --auth_tokens; client_security.h builds them from flags.
//
// Example:
//   heapd::client::ClientOptions options;
//   options.address = "127.0.0.1:7000";
//   options.deadline = absl::Seconds(2);
//   options.channel_arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
#ifndef HEAPD_CLIENT_CLIENT_OPTIONS_H_
#define HEAPD_CLIENT_CLIENT_OPTIONS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/time/time.h"

namespace heapd::client {

struct ClientOptions {
  // HOST:PORT, or a gRPC target URI naming its scheme
  // ("ipv4:127.0.0.1:50051", "unix:..."). Empty: DefaultServerAddress().
  std::string address;

  // Every unary call fails with DEADLINE_EXCEEDED after this long.
  // absl::InfiniteDuration() for none.
  absl::Duration deadline = absl::Seconds(10);

  // Extra channel arguments (keepalive, message sizes, ...), passed to
  // grpc::CreateCustomChannel as they are.
  grpc::ChannelArguments channel_arguments;

  // Whether gRPC may route through an HTTP proxy from the environment
  // (http_proxy). Off by default: heapd is usually on loopback and a proxy
  // variable meant for the web should not capture it.
  bool use_http_proxy = false;

  // Channel credentials; nullptr means grpc::InsecureChannelCredentials().
  // grpc::SslCredentials for a heapd serving TLS.
  std::shared_ptr<grpc::ChannelCredentials> credentials;

  // Credentials attached to every call; nullptr for none. (gRPC sends
  // these only over TLS; bearer_token works over plaintext too.)
  std::shared_ptr<grpc::CallCredentials> call_credentials;

  // heapd's access token (--auth_tokens on the server), sent as
  // `authorization: Bearer <token>` metadata on every call; "" for none.
  // client_security.h fills it from --token_file or HEAPD_TOKEN.
  std::string bearer_token;

  // The name sessions opened through this client carry in heapd's stats
  // and slow log, unless OpenSession is given another.
  std::string client_name = "heapd-client";
};

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_CLIENT_OPTIONS_H_
