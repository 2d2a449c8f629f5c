#include "client/heapload/connections.h"

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/client_security.h"
#include "client/grpc_status_conversion.h"
#include "client/server_address.h"

namespace heapd::heapload {
namespace {

// Whether a TCP connection to `server` (HOST:PORT, [V6]:PORT) is refused:
// nothing listens there. False when it connects, or when the address is no
// plain HOST:PORT or does not resolve (the caller's message then says less).
bool ConnectionRefused(const std::string& server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = server.substr(0, colon);
  const std::string port = server.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) {
    return false;
  }
  bool refused = found != nullptr;
  for (addrinfo* a = found; a != nullptr && refused; a = a->ai_next) {
    const int fd =
        socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      refused = false;
      break;
    }
    // Blocking: a refused connection answers at once, and one that is
    // accepted closes at once too.
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno != ECONNREFUSED) {
      refused = false;
    }
    close(fd);
  }
  freeaddrinfo(found);
  return refused;
}

// Waits until `channel` is ready, fails (true: it failed) or `deadline`.
bool FirstAttemptFailed(grpc::Channel* channel,
                        std::chrono::system_clock::time_point deadline) {
  grpc_connectivity_state state = channel->GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE ||
        state == GRPC_CHANNEL_SHUTDOWN) {
      return true;
    }
    if (!channel->WaitForStateChange(state, deadline)) return false;
    state = channel->GetState(/*try_to_connect=*/true);
  }
  return false;
}

}  // namespace

absl::Status Connections::Open(const Options& options, int count) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      client::ChannelCredentialsFor(options.security);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::string> token = client::BearerTokenFor(options.security);
  if (!token.ok()) return token.status();
  token_ = *token;
  client_name_ = options.client_name;
  server_ = options.server;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Each channel keeps its own subchannels, and the differing argument
    // makes their keys differ too: gRPC would otherwise share one TCP
    // connection among channels to the same address.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("heapload.connection_id", i);
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    if (!options.security.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.security.tls_server_name);
    }
    auto connection = std::make_unique<Connection>();
    connection->channel =
        grpc::CreateCustomChannel(options.server, *credentials, args);
    connection->stub = v1::Heap::NewStub(connection->channel);
    connection->channel->GetState(/*try_to_connect=*/true);
    connections_.push_back(std::move(connection));
  }
  // Connecting happens in the background, all at once; wait for each.
  // --timeout bounds connecting too, with time for the handshakes of many
  // connections on top.
  const auto deadline = std::chrono::system_clock::now() +
                        absl::ToChronoNanoseconds(options.timeout) +
                        std::chrono::milliseconds(5 * count);
  // The first connection's first attempt tells whether anything is there:
  // a refused connection fails it at once, rather than after --timeout.
  if (FirstAttemptFailed(connections_[0]->channel.get(), deadline)) {
    if (ConnectionRefused(options.server)) {
      return absl::UnavailableError(
          client::NothingListensMessage(options.server));
    }
    return absl::UnavailableError(absl::StrCat(
        "cannot connect to ", options.server,
        ": the connection failed (does heapd expect TLS, --tls_ca, or "
        "plaintext?)"));
  }
  for (int i = 0; i < count; ++i) {
    if (!connections_[i]->channel->WaitForConnected(deadline)) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", options.server, " (connection ",
                       i + 1, " of ", count, " not ready after ",
                       absl::FormatDuration(options.timeout), ")"));
    }
  }
  return absl::OkStatus();
}

void Connections::Prepare(grpc::ClientContext* context) const {
  if (!token_.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
  }
}

void Connections::PrepareSetupCall(grpc::ClientContext* context) const {
  Prepare(context);
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
}

absl::Status Connections::OpenSessions(size_t first) {
  for (size_t i = first; i < connections_.size(); ++i) {
    Connection* c = connections_[i].get();
    v1::OpenSessionRequest request;
    request.set_client_name(absl::StrCat(client_name_, "-", i));
    // Every call renews the lease; this only covers pauses between calls.
    request.set_ttl_ms(120000);
    v1::OpenSessionResponse response;
    grpc::ClientContext context;
    PrepareSetupCall(&context);
    grpc::Status status = c->stub->OpenSession(&context, request, &response);
    if (!status.ok()) {
      return SetupCallFailed(absl::StrCat("OpenSession on connection ", i),
                             "OpenSession", status);
    }
    c->session_id = response.session_id();
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StatsResponse> Connections::ServerStats() const {
  v1::StatsRequest request;
  request.add_sections(v1::LOCK);
  request.add_sections(v1::SERVER);
  // Includes every call that finished before this one.
  request.set_fresh(true);
  v1::StatsResponse response;
  grpc::ClientContext context;
  PrepareSetupCall(&context);
  grpc::Status status =
      connections_.front()->stub->Stats(&context, request, &response);
  if (!status.ok()) return SetupCallFailed("Stats", "Stats", status);
  return response;
}

absl::Status Connections::SetupCallFailed(absl::string_view what,
                                          absl::string_view method,
                                          const grpc::Status& status) const {
  // The client library's words for a server that is not heapd or is gone.
  const absl::Status said = client::FromGrpcStatus(status, server_, method);
  return absl::UnavailableError(absl::StrCat(
      what, ": ", CodeName(status.error_code()), " ", said.message()));
}

absl::StatusOr<v1::StatsResponse> Connections::Sample(
    const std::vector<v1::StatsSection>& sections,
    absl::Duration timeout) const {
  v1::StatsRequest request;
  for (v1::StatsSection section : sections) request.add_sections(section);
  v1::StatsResponse response;
  grpc::ClientContext context;
  Prepare(&context);
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoNanoseconds(timeout));
  grpc::Status status =
      connections_.front()->stub->Stats(&context, request, &response);
  if (!status.ok()) return client::FromGrpcStatus(status, server_, "Stats");
  return response;
}

void Connections::CloseSessions(int* opened, int* closed) const {
  for (auto& c : connections_) {
    if (c->session_id.empty()) continue;
    ++*opened;
    v1::CloseSessionRequest request;
    request.set_session_id(c->session_id);
    v1::CloseSessionResponse response;
    grpc::ClientContext context;
    PrepareSetupCall(&context);
    if (c->stub->CloseSession(&context, request, &response).ok()) {
      ++*closed;
    }
  }
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN_CODE";
  }
}

// Raises the soft open-file limit towards the hard one when `connections`
// need more descriptors than it allows; returns the soft limit after.
absl::StatusOr<int64_t> RaiseFileLimit(int connections) {
  // A socket per connection, plus gRPC's own descriptors and some slack.
  const rlim_t needed = static_cast<rlim_t>(connections) * 2 + 128;
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("getrlimit(RLIMIT_NOFILE) failed");
  }
  if (limit.rlim_cur >= needed) return static_cast<int64_t>(limit.rlim_cur);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
    return absl::ResourceExhaustedError(absl::StrCat(
        connections, " connections need about ", needed,
        " open files but the hard limit (ulimit -Hn) is ", limit.rlim_max));
  }
  limit.rlim_cur = needed;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::InternalError("setrlimit(RLIMIT_NOFILE) failed");
  }
  return static_cast<int64_t>(needed);
}

}  // namespace heapd::heapload
