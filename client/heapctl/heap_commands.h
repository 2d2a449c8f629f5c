// heapctl's one-RPC subcommands: sessions, objects, references, links, the
// collector and ping. Each sends one request and prints its response (as
// text, or the response message as JSON under --json).
//
// heapctl runs one process per command, so sessions outlive it: `heapctl
// session open --ttl=10m` prints a session id, later commands take it as
// --session=ID (each call renews the lease), `heapctl session close
// --session=ID` ends it. Commands that only look or collect (inspect,
// collect, gc-config, freeze, unfreeze, dot) open a temporary session when
// given none; commands that take or drop references (alloc, incref, decref,
// link, unlink, get, weakref, weakref-read) need --session, since a temporary
// session would release what they made as soon as they end.
#ifndef HEAPD_CLIENT_HEAPCTL_HEAP_COMMANDS_H_
#define HEAPD_CLIENT_HEAPCTL_HEAP_COMMANDS_H_

#include <string>
#include <vector>

#include "client/heapctl/command.h"
#include "proto/heap.pb.h"

namespace heapd::heapctl {

// One object as `heapctl inspect` prints it.
std::string DescribeObject(const v1::ObjectInfo& object);

// session, ping.
std::vector<Command> SessionCommands();
// alloc, incref, decref, link, unlink, get, weakref, weakref-read,
// inspect.
std::vector<Command> ObjectCommands();
// collect, gc-config, freeze, unfreeze.
std::vector<Command> CollectorCommands();

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_HEAP_COMMANDS_H_
