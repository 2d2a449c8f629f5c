// `heapctl session open|close` and `heapctl ping`.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "client/heapctl/heap_commands.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::Nanos;
namespace {

int RunSession(Context& context, const Command& self) {
  const Args& args = context.args;
  if (args.words.size() != 1) {
    return UsageError(context, self, "say 'session open' or 'session close'");
  }
  if (args.words[0] != "open" && args.words[0] != "close") {
    return UnknownSubcommand(context, self, args.words[0], {"open", "close"});
  }
  if (args.words[0] == "open") {
    absl::StatusOr<absl::Duration> ttl =
        args.Duration("ttl", absl::ZeroDuration(), absl::Milliseconds(1));
    if (!ttl.ok()) {
      return UsageError(context, self, std::string(ttl.status().message()));
    }
    v1::OpenSessionRequest request;
    request.set_client_name(args.Flag("name", "heapctl"));
    request.set_ttl_ms(absl::ToInt64Milliseconds(*ttl));
    absl::StatusOr<v1::OpenSessionResponse> opened =
        context.client.OpenSession(request);
    if (!opened.ok()) return RpcError(context, opened.status());
    // The id alone on stdout, so that S=$(heapctl session open) works.
    if (!context.json) {
      context.err << "session lease "
                  << absl::FormatDuration(absl::Milliseconds(opened->ttl_ms()))
                  << ", renewed by every call naming it\n";
    }
    return Print(context, *opened, opened->session_id());
  }
  const std::string id = args.Flag("session");
  if (id.empty()) {
    return UsageError(context, self, "session close needs --session=ID");
  }
  v1::CloseSessionRequest request;
  request.set_session_id(id);
  absl::StatusOr<v1::CloseSessionResponse> closed =
      context.client.CloseSession(request);
  if (!closed.ok()) return RpcError(context, closed.status());
  return Print(
      context, *closed,
      absl::StrCat("closed: released ", closed->references_released(),
                   " references, freed ", closed->objects_freed(), " objects"));
}

int RunPing(Context& context, const Command& self) {
  if (!context.args.words.empty()) {
    return UsageError(context, self, "ping takes no words");
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<v1::PingResponse> pong = context.client.Ping(
      context.args.Flag("session"), context.args.Flag("payload"));
  const absl::Duration round_trip = absl::Now() - start;
  if (!pong.ok()) return RpcError(context, pong.status());
  return Print(
      context, *pong,
      absl::StrFormat("pong from heapd %s at %s in %s", pong->version(),
                      context.client.options().address,
                      Nanos(absl::ToInt64Nanoseconds(round_trip))));
}

}  // namespace

std::vector<Command> SessionCommands() {
  std::vector<Command> commands;
  commands.push_back(Command{
      "session",
      "session open [--ttl=30s] [--name=heapctl] | session close --session=ID",
      "open a session (prints its id) or close one",
      "Handles belong to sessions. heapctl is one process per command, so a\n"
      "session outlives it: `session open` prints the new session's id alone\n"
      "on stdout (the lease on stderr), later commands name it with\n"
      "--session=ID, and every call naming it renews its lease. --ttl is the\n"
      "lease (e.g. 10m; a bare number is milliseconds; default the server's,\n"
      "30 s). `session close` releases every reference it still holds.\n\n"
      "  S=$(heapctl session open --ttl=10m)\n"
      "  heapctl alloc list --session=$S\n"
      "  heapctl session close --session=$S\n",
      {"ttl", "name", "session"},
      nullptr});
  commands.push_back(Command{
      "ping",
      "ping [--session=ID] [--payload=TEXT]",
      "round trip to heapd; with --session, renew its lease",
      "Prints heapd's version and the round-trip time. With --session it also\n"
      "renews that session's lease (NOT_FOUND if it is gone).\n",
      {"session", "payload"},
      nullptr});
  commands[0].run = [self = commands[0]](Context& c) {
    return RunSession(c, self);
  };
  commands[1].run = [self = commands[1]](Context& c) {
    return RunPing(c, self);
  };
  return commands;
}

}  // namespace heapd::heapctl
