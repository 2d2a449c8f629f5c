#include "client/client_security.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace heapd::client {
namespace {

absl::StatusOr<std::string> ReadFlagFile(const char* flag,
                                         const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", path, ": cannot read the file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const char kSecurityFlagsHelp[] =
    "  --tls_ca=PEM    use TLS; verify heapd against these CAs\n"
    "  --tls_cert=PEM --tls_key=PEM  this client's certificate (mutual TLS)\n"
    "  --tls_server_name=NAME  the name heapd's certificate carries\n"
    "  --token_file=F  bearer token to send (or the HEAPD_TOKEN variable)\n";

std::string* SecurityFlagField(SecurityFlags* flags, absl::string_view name) {
  if (name == "tls_ca") return &flags->tls_ca;
  if (name == "tls_cert") return &flags->tls_cert;
  if (name == "tls_key") return &flags->tls_key;
  if (name == "tls_server_name") return &flags->tls_server_name;
  if (name == "token_file") return &flags->token_file;
  return nullptr;
}

bool WantsTls(const SecurityFlags& flags) {
  return !flags.tls_ca.empty() || !flags.tls_cert.empty() ||
         !flags.tls_key.empty() || !flags.tls_server_name.empty();
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentialsFor(
    const SecurityFlags& flags) {
  if (!WantsTls(flags)) return grpc::InsecureChannelCredentials();
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together (mutual TLS needs both)");
  }
  grpc::SslCredentialsOptions options;
  if (!flags.tls_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadFlagFile("tls_ca", flags.tls_ca);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  if (!flags.tls_cert.empty()) {
    absl::StatusOr<std::string> cert = ReadFlagFile("tls_cert", flags.tls_cert);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFlagFile("tls_key", flags.tls_key);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

absl::StatusOr<std::string> BearerTokenFor(const SecurityFlags& flags) {
  if (!flags.token_file.empty()) {
    absl::StatusOr<std::string> token =
        ReadFlagFile("token_file", flags.token_file);
    if (!token.ok()) return token.status();
    return std::string(absl::StripTrailingAsciiWhitespace(*token));
  }
  const char* env = std::getenv("HEAPD_TOKEN");
  return env == nullptr ? std::string() : std::string(env);
}

absl::Status ApplySecurity(const SecurityFlags& flags, ClientOptions* options) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      ChannelCredentialsFor(flags);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::string> token = BearerTokenFor(flags);
  if (!token.ok()) return token.status();
  options->credentials = *credentials;
  options->bearer_token = *token;
  if (!flags.tls_server_name.empty()) {
    options->channel_arguments.SetSslTargetNameOverride(flags.tls_server_name);
  }
  return absl::OkStatus();
}

}  // namespace heapd::client
