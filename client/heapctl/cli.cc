#include "client/heapctl/cli.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/client_security.h"
#include "client/heapctl/args.h"
#include "client/heapctl/diff.h"
#include "client/heapctl/doctor.h"
#include "client/heapctl/dot.h"
#include "client/heapctl/heap_commands.h"
#include "client/heapctl/stats_command.h"
#include "client/heapctl/suggest.h"
#include "client/heapctl/top.h"
#include "client/scenario/run_command.h"

namespace heapd::heapctl {
namespace {

constexpr char kCommonFlags[] =
    "Common flags, before or after the command:\n"
    "  --server=ADDR   heapd's address (default $HEAPD_SERVER, else "
    "127.0.0.1:50051)\n"
    "  --json          print responses as JSON (proto field names)\n"
    "  --deadline=D    per-call deadline (default 10s)\n"
    "and, for a heapd with TLS or access tokens (docs/api.md, Security):\n";

// `heapctl run --dot` draws at most this many objects.
constexpr size_t kScenarioDotMaxNodes = 500;

constexpr char kListPointer[] = "(heapctl help lists the commands)\n";

// --- `heapctl run FILE`: scenario files (docs/scenarios.md) ------------------
// --dot=OUT.dot: the scenario's objects at its end, named as it names them.
void WriteScenarioDot(const std::string& path, const client::Session& session,
                      const scenario::NamedObjects& objects,
                      std::ostream& err) {
  DotOptions options;
  std::vector<uint64_t> starts;
  for (const auto& [name, handle] : objects.bound) {
    options.names[handle].push_back(name);
    starts.push_back(handle);
  }
  for (const auto& [name, handle] : objects.deleted) {
    if (objects.bound.count(name) > 0) continue;
    options.names[handle].push_back(absl::StrCat(name, " (deleted)"));
    starts.push_back(handle);
  }
  absl::StatusOr<ObjectGraph> graph =
      BuildGraphFrom(starts, kScenarioDotMaxNodes,
                     [&](uint64_t handle) { return session.Inspect(handle); });
  if (!graph.ok()) {
    err << "heapctl: run --dot: " << graph.status().message() << "\n";
    return;
  }
  std::ofstream file(path);
  file << FormatDot(*graph, options);
  if (!file) err << "heapctl: run --dot: cannot write " << path << "\n";
}

int RunScenario(Context& context) {
  if (context.args.words.size() != 1) {
    context.err << "heapctl: run: expected one scenario FILE\n";
    return kExitUsage;
  }
  scenario::RunFileOptions options;
  options.verbose = context.args.Has("verbose");
  options.quiet = context.args.Has("quiet");
  options.json = context.json;
  const std::string dot = context.args.Flag("dot");
  if (!dot.empty()) {
    options.at_end = [&](const client::Session& session,
                         const scenario::NamedObjects& objects) {
      WriteScenarioDot(dot, session, objects, context.err);
    };
  }
  return scenario::RunScenarioFile(context.client, context.args.words[0],
                                   options, context.out, context.err);
}

Command RunCommand() {
  return Command{
      "run",
      "run FILE [--verbose] [--quiet] [--dot=OUT.dot]",
      "run a heap scenario file",
      "Runs a scenario (docs/scenarios.md) in a session of its own and "
      "prints\nwhat each statement did; exits 1 when an expectation fails.\n"
      "--dot=OUT.dot writes the graph of the scenario's objects as it ends\n"
      "(before its session closes), nodes named by the scenario's names.\n"
      "A scenario shares the heap: on a heap that held objects before it\n"
      "started, run notes heap-wide statements (gc.freeze, gc.disable...)\n"
      "and, when an expectation fails, that the scenario may expect a fresh\n"
      "heap.\n",
      {"verbose", "quiet", "dot"},
      RunScenario};
}
// -----------------------------------------------------------------------------

std::string Overview(const std::vector<Command>& commands) {
  std::string out =
      "usage: heapctl [--server=ADDR] [--json] COMMAND [ARGS...] [FLAGS]\n\n"
      "heapctl talks to heapd over gRPC. Commands:\n";
  for (const Command& command : commands) {
    absl::StrAppendFormat(&out, "  %-10s %s\n", command.name, command.summary);
  }
  absl::StrAppend(&out, "\n", kCommonFlags, client::kSecurityFlagsHelp,
                  "\n`heapctl help COMMAND` shows a command's usage.\n");
  return out;
}

std::string Help(const Command& command) {
  std::string out = absl::StrCat("usage: heapctl ", command.usage, "\n\n",
                                 command.summary, ".\n");
  if (!command.help.empty()) absl::StrAppend(&out, "\n", command.help);
  absl::StrAppend(&out, "\n", kCommonFlags, client::kSecurityFlagsHelp);
  return out;
}

const Command* Find(const std::vector<Command>& commands,
                    const std::string& name) {
  for (const Command& command : commands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

// `heapctl: unknown command "stts": did you mean "stats"?` and where the
// list is, rather than the whole overview: the nearest name is what a
// slip of the keyboard needs.
int UnknownCommand(const std::vector<Command>& commands,
                   const std::string& name, std::ostream& err) {
  std::vector<std::string> names;
  for (const Command& command : commands) names.push_back(command.name);
  names.push_back("help");
  err << "heapctl: unknown command \"" << name << "\""
      << DidYouMean(name, names) << "\n"
      << kListPointer;
  return kExitUsage;
}

}  // namespace

std::vector<Command> AllCommands() {
  std::vector<Command> commands;
  for (auto group :
       {SessionCommands(), ObjectCommands(), CollectorCommands()}) {
    for (Command& command : group) commands.push_back(std::move(command));
  }
  commands.push_back(StatsCommand());
  commands.push_back(TopCommand());
  commands.push_back(DotCommand());
  commands.push_back(DiffCommand());
  commands.push_back(DoctorCommand());
  commands.push_back(RunCommand());
  return commands;
}

int RunHeapctl(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err) {
  const std::vector<Command> commands = AllCommands();
  absl::StatusOr<Args> args = ParseArgs(argv);
  if (!args.ok()) {
    err << "heapctl: " << args.status().message() << "\n" << kListPointer;
    return kExitUsage;
  }
  if (args->command.empty() || args->command == "help") {
    if (args->command == "help" && !args->words.empty()) {
      const Command* command = Find(commands, args->words[0]);
      if (command == nullptr) {
        return UnknownCommand(commands, args->words[0], err);
      }
      out << Help(*command);
      return kExitOk;
    }
    if (args->command.empty() && !args->Has("help")) {
      err << Overview(commands);
      return kExitUsage;
    }
    out << Overview(commands);
    return kExitOk;
  }
  const Command* command = Find(commands, args->command);
  if (command == nullptr) return UnknownCommand(commands, args->command, err);
  if (args->Has("help")) {
    out << Help(*command);
    return kExitOk;
  }

  client::ClientOptions options;
  // Empty: $HEAPD_SERVER, else heapd's default address.
  options.address = args->Flag("server", "");
  options.client_name = "heapctl";
  absl::StatusOr<absl::Duration> deadline =
      args->Duration("deadline", absl::Seconds(10), absl::Milliseconds(1));
  absl::StatusOr<bool> json = args->Switch("json");
  absl::Status flags = args->CheckFlags(command->flags);
  for (const absl::Status& status : {deadline.status(), json.status(), flags}) {
    if (status.ok()) continue;
    err << "heapctl: " << status.message() << "\nusage: heapctl "
        << command->usage << "\n";
    return kExitUsage;
  }
  options.deadline = *deadline;
  client::SecurityFlags security;
  for (const char* flag : client::kSecurityFlagNames) {
    *client::SecurityFlagField(&security, flag) = args->Flag(flag, "");
  }
  const absl::Status secured = client::ApplySecurity(security, &options);
  if (!secured.ok()) {
    err << "heapctl: " << secured.message() << "\n";
    return kExitUsage;
  }
  absl::StatusOr<client::HeapClient> client =
      client::HeapClient::Connect(options);
  if (!client.ok()) {
    err << "heapctl: " << client.status().message() << "\n";
    return kExitUsage;
  }
  Context context{*args, *client, out, err, *json};
  return command->run(context);
}

}  // namespace heapd::heapctl
