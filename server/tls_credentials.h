// The server's transport credentials from --tls_cert, --tls_key and
// --tls_client_ca.
//
//   no flags                  plaintext (grpc::InsecureServerCredentials)
//   --tls_cert --tls_key      TLS; clients verify the server
//   ... --tls_client_ca       mutual TLS: a client must present a
//                             certificate signed by one of these CAs, or
//                             the handshake fails
//
// The files are read here, so a missing or unreadable file is reported at
// start-up (INVALID_ARGUMENT naming the flag), not at the first handshake.
#ifndef HEAPD_SERVER_TLS_CREDENTIALS_H_
#define HEAPD_SERVER_TLS_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace heapd::server {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ServerCredentialsFromFlags(const std::string& cert_file,
                           const std::string& key_file,
                           const std::string& client_ca_file);

// The whole of a small file (a PEM), or INVALID_ARGUMENT naming `flag`.
absl::StatusOr<std::string> ReadPemFile(const std::string& flag,
                                        const std::string& path);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_TLS_CREDENTIALS_H_
