// What every heapctl subcommand gets and how it ends.
//
// A subcommand is a function of a Context (its parsed command line, a
// connected HeapClient, where to print) that returns the process's exit
// code: kExitOk, kExitRpcError when heapd answered with an error or could
// not be reached, kExitUsage for a command line it cannot run. Errors print
// as `heapctl: <message>` on the error stream.
#ifndef HEAPD_CLIENT_HEAPCTL_COMMAND_H_
#define HEAPD_CLIENT_HEAPCTL_COMMAND_H_

#include <functional>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/heapctl/args.h"
#include "client/heapd_client.h"
#include "google/protobuf/message.h"

namespace heapd::heapctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcError = 1;
inline constexpr int kExitUsage = 2;
// `heapctl doctor` found a problem: scripts and CI fail on it, and can tell
// it from heapd being unreachable (kExitRpcError).
inline constexpr int kExitFindings = 3;

struct Context {
  const Args& args;
  const client::HeapClient& client;
  std::ostream& out;
  std::ostream& err;
  // --json: print responses as JSON instead of text.
  bool json = false;
};

// One subcommand: its name, usage and help, the flags it accepts besides
// the common ones, and what runs it.
struct Command {
  std::string name;
  // "alloc TYPE [--length=N] [--count=N] --session=ID"
  std::string usage;
  // One line for the command list.
  std::string summary;
  // Paragraphs after the usage line in `heapctl help NAME`.
  std::string help;
  std::set<std::string> flags;
  std::function<int(Context&)> run;
};

// Prints `heapctl: <message>` and the command's usage line; kExitUsage.
int UsageError(Context& context, const Command& command,
               const std::string& message);
// A word that is none of the command's `subcommands`: `heapctl: unknown
// subcommand "opn" for session: did you mean "open"?` and the usage line;
// kExitUsage.
int UnknownSubcommand(Context& context, const Command& command,
                      const std::string& word,
                      const std::vector<std::string>& subcommands);
// Prints `heapctl: CODE: <message>` for a failed call; kExitRpcError. A
// session heapd does not know (NOT_FOUND for --session=ID) is said in
// heapctl's terms: `heapctl: session 'ID' is unknown or expired (...): open
// one with `heapctl session open``.
int RpcError(Context& context, const absl::Status& status);

// Prints `message` as JSON under --json, else `text` (a newline is added
// if missing); kExitOk.
int Print(Context& context, const google::protobuf::Message& message,
          const std::string& text);

// The session a heap command runs in: --session=ID if given (attached: not
// closed), else, when `temporary_ok`, a session opened for this command and
// closed when it ends. Without either: nullopt and the caller reports a
// usage error.
absl::StatusOr<std::optional<client::Session>> SessionFor(Context& context,
                                                          bool temporary_ok);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_COMMAND_H_
