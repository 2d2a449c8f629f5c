#include "client/heapctl/command.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/heapctl/json.h"

namespace heapd::heapctl {

int UsageError(Context& context, const Command& command,
               const std::string& message) {
  context.err << "heapctl: " << message << "\n"
              << "usage: heapctl " << command.usage << "\n"
              << "(heapctl help " << command.name << " says more)\n";
  return kExitUsage;
}

int RpcError(Context& context, const absl::Status& status) {
  context.err << "heapctl: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
  return kExitRpcError;
}

int Print(Context& context, const google::protobuf::Message& message,
          const std::string& text) {
  if (context.json) {
    context.out << ToJson(message);
  } else {
    context.out << text;
    if (text.empty() || text.back() != '\n') context.out << "\n";
  }
  return kExitOk;
}

absl::StatusOr<std::optional<client::Session>> SessionFor(Context& context,
                                                          bool temporary_ok) {
  const std::string id = context.args.Flag("session");
  if (!id.empty()) {
    return std::optional<client::Session>(context.client.AttachSession(id));
  }
  if (!temporary_ok) return std::optional<client::Session>();
  // A short lease: if heapctl dies before closing it, it ends on its own.
  absl::StatusOr<client::Session> session =
      context.client.OpenSession(absl::Seconds(30), "heapctl");
  if (!session.ok()) return session.status();
  return std::optional<client::Session>(std::move(*session));
}

}  // namespace heapd::heapctl
