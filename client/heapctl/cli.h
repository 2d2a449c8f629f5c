// heapctl as a function: the whole command line in, text out, an exit code
// back. main.cc calls it with the process's argv and streams.
//
// Exit codes: 0 success, 1 an RPC failed (heapd's status is printed as
// `heapctl: CODE: message`), 2 a command line heapctl cannot run (usage),
// 3 `heapctl doctor` found a problem.
#ifndef HEAPD_CLIENT_HEAPCTL_CLI_H_
#define HEAPD_CLIENT_HEAPCTL_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "client/heapctl/command.h"

namespace heapd::heapctl {

// Every subcommand, in the order `heapctl help` lists them.
std::vector<Command> AllCommands();

// `argv` without the program name.
int RunHeapctl(const std::vector<std::string>& argv, std::ostream& out,
               std::ostream& err);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_CLI_H_
