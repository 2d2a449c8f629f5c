// heapctl's command line: flags and positional words, in any order.
//
// `heapctl [flags] COMMAND [WORDS...] [flags]`: every `--name=value` or
// `--name value` (for flags that take a value) or `--name` (a switch) is a
// flag wherever it appears, before or after the command, so that
// `heapctl --server=h:1 stats` and `heapctl stats --server=h:1` are the same.
// The first other word is the command, the rest are its words (`session
// open`, `dot 42`, `diff a.json b.json`). `--` ends flags.
//
// A switch may be written `--json`, `--json=true` or `--json=false`.
//
// Example:
//   absl::StatusOr<Args> args = ParseArgs({"stats", "--server", "h:1"});
//   args->command == "stats"; args->Flag("server") == "h:1"
#ifndef HEAPD_CLIENT_HEAPCTL_ARGS_H_
#define HEAPD_CLIENT_HEAPCTL_ARGS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace heapd::heapctl {

struct Args {
  std::string command;
  std::vector<std::string> words;
  // Flag name (without dashes) -> value ("true" for a bare switch).
  std::map<std::string, std::string> flags;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // The value, or `fallback` when the flag is absent.
  std::string Flag(const std::string& name,
                   const std::string& fallback = "") const;
  // A switch: absent is false; INVALID_ARGUMENT unless true/false/1/0.
  absl::StatusOr<bool> Switch(const std::string& name) const;
  // An integer flag, `fallback` when absent.
  absl::StatusOr<int64_t> Int(const std::string& name, int64_t fallback) const;
  absl::StatusOr<std::optional<int64_t>> OptionalInt(
      const std::string& name) const;
  // A duration: "10s", "250ms", "1m", or a bare number of `unit`.
  absl::StatusOr<absl::Duration> Duration(const std::string& name,
                                          absl::Duration fallback,
                                          absl::Duration unit) const;

  // INVALID_ARGUMENT naming the first flag outside `allowed` (the common
  // flags --server, --json, --deadline are always allowed).
  absl::Status CheckFlags(const std::set<std::string>& allowed) const;
};

// Flags that take a value and may be written `--name value`; every other
// flag must be `--name=value` or a bare switch.
const std::set<std::string>& ValueFlags();

// INVALID_ARGUMENT for a malformed command line (an empty flag name, a
// value flag at the end without its value).
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv);

// A handle as typed: decimal or 0x-hex. INVALID_ARGUMENT otherwise.
absl::StatusOr<uint64_t> ParseHandle(const std::string& text);

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_ARGS_H_
