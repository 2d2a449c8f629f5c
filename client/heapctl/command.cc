#include "client/heapctl/command.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/heapctl/json.h"
#include "client/heapctl/suggest.h"

namespace heapd::heapctl {

int UsageError(Context& context, const Command& command,
               const std::string& message) {
  context.err << "heapctl: " << message << "\n"
              << "usage: heapctl " << command.usage << "\n"
              << "(heapctl help " << command.name << " says more)\n";
  return kExitUsage;
}

int UnknownSubcommand(Context& context, const Command& command,
                      const std::string& word,
                      const std::vector<std::string>& subcommands) {
  return UsageError(context, command,
                    absl::StrCat("unknown subcommand \"", word, "\" for ",
                                 command.name, DidYouMean(word, subcommands)));
}

namespace {

// heapd says "no session '...': ... (open a new one with OpenSession)", in
// the terms of its API; a heapctl user opens one with heapctl.
bool UnknownSession(const Context& context, const absl::Status& status) {
  return absl::IsNotFound(status) && context.args.Has("session") &&
         absl::StartsWith(status.message(), "no session ");
}

// The id as typed, shortened if long (a pasted wrong line).
std::string QuotedId(const std::string& id) {
  constexpr size_t kMaxShown = 64;
  if (id.size() <= kMaxShown) return absl::StrCat("'", id, "'");
  return absl::StrCat("'", id.substr(0, kMaxShown), "...' (", id.size(),
                      " characters)");
}

}  // namespace

int RpcError(Context& context, const absl::Status& status) {
  if (UnknownSession(context, status)) {
    context.err << "heapctl: session " << QuotedId(context.args.Flag("session"))
                << " is unknown or expired (never opened, closed, or its "
                   "lease ran out): open one with `heapctl session open`\n";
    return kExitRpcError;
  }
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
