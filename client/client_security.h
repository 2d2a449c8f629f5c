// The clients' side of heapd's TLS and bearer tokens, shared by the
// library's users, heapctl and heapload so that every client takes the same
// flags:
//
//   --tls_ca=PEM          verify heapd's certificate against these CAs
//                         (turns TLS on; empty with another --tls_* flag:
//                         the system's roots)
//   --tls_cert=PEM        this client's certificate chain, for mutual TLS
//   --tls_key=PEM         its private key
//   --tls_server_name=N   the name to expect in heapd's certificate, when
//                         the address is an IP or another name
//   --token_file=FILE     a bearer token, sent as `authorization: Bearer`
//                         on every call (a file, so that the token never
//                         shows in `ps`); or the HEAPD_TOKEN variable
//
// Example:
//   SecurityFlags flags;
//   flags.tls_ca = "ca.pem";
//   flags.token_file = "token";
//   absl::Status applied = ApplySecurity(flags, &client_options);
#ifndef HEAPD_CLIENT_CLIENT_SECURITY_H_
#define HEAPD_CLIENT_CLIENT_SECURITY_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/client_options.h"

namespace heapd::client {

struct SecurityFlags {
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;
  std::string token_file;
};

// The flag names above, for argument parsers ("tls_ca", ...).
inline constexpr const char* kSecurityFlagNames[] = {
    "tls_ca", "tls_cert", "tls_key", "tls_server_name", "token_file"};

// The field of `flags` that the flag `name` sets ("tls_ca" ->
// &flags->tls_ca), so a parser stores every flag of kSecurityFlagNames the
// same way; null for any other name.
std::string* SecurityFlagField(SecurityFlags* flags, absl::string_view name);

// Usage text for the flags, one line each, indented by two spaces.
extern const char kSecurityFlagsHelp[];

// Whether any TLS flag is set.
bool WantsTls(const SecurityFlags& flags);

// Insecure credentials without TLS flags; SslCredentials otherwise.
// INVALID_ARGUMENT naming the flag for an unreadable file, or a client
// certificate without its key (or the reverse).
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const SecurityFlags& flags);

// The bearer token from --token_file (trailing whitespace dropped), else
// from the HEAPD_TOKEN environment variable, else "".
absl::StatusOr<std::string> BearerTokenFor(const SecurityFlags& flags);

// Fills options->credentials, ->bearer_token and, for --tls_server_name,
// the channel's target name override.
absl::Status ApplySecurity(const SecurityFlags& flags, ClientOptions* options);

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_CLIENT_SECURITY_H_
