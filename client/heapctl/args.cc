#include "client/heapctl/args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/client_security.h"
#include "client/heapctl/suggest.h"

namespace heapd::heapctl {

const std::set<std::string>& ValueFlags() {
  static const std::set<std::string>* const kFlags = new std::set<std::string>{
      "server",     "session",     "deadline",   "ttl",       "type",
      "length",     "count",       "field",      "item",      "generation",
      "threshold0", "threshold1",  "threshold2", "enabled",   "debug_flags",
      "interval",   "interval_ms", "iterations", "max_nodes", "sections",
      "payload",    "name",        "top",        "dot",
  };
  return *kFlags;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& argv) {
  Args args;
  bool flags_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (!flags_done && word == "--") {
      flags_done = true;
      continue;
    }
    if (!flags_done && absl::StartsWith(word, "--")) {
      std::string name = word.substr(2);
      std::string value = "true";
      const size_t equals = name.find('=');
      if (equals != std::string::npos) {
        value = name.substr(equals + 1);
        name = name.substr(0, equals);
      } else if (ValueFlags().count(name) > 0) {
        if (i + 1 >= argv.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("--", name, " needs a value"));
        }
        value = argv[++i];
      }
      if (name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed flag '", word, "'"));
      }
      args.flags[name] = value;
      continue;
    }
    if (args.command.empty()) {
      args.command = word;
    } else {
      args.words.push_back(word);
    }
  }
  return args;
}

std::string Args::Flag(const std::string& name,
                       const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

absl::StatusOr<bool> Args::Switch(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return false;
  const std::string value = absl::AsciiStrToLower(it->second);
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, " is true or false, not '", it->second, "'"));
}

absl::StatusOr<int64_t> Args::Int(const std::string& name,
                                  int64_t fallback) const {
  absl::StatusOr<std::optional<int64_t>> value = OptionalInt(name);
  if (!value.ok()) return value.status();
  return value->value_or(fallback);
}

absl::StatusOr<std::optional<int64_t>> Args::OptionalInt(
    const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return std::optional<int64_t>();
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, " takes an integer, not '", it->second, "'"));
  }
  return std::optional<int64_t>(value);
}

absl::StatusOr<absl::Duration> Args::Duration(const std::string& name,
                                              absl::Duration fallback,
                                              absl::Duration unit) const {
  auto it = flags.find(name);
  if (it == flags.end()) return fallback;
  int64_t count = 0;
  if (absl::SimpleAtoi(it->second, &count)) return count * unit;
  absl::Duration duration;
  if (!absl::ParseDuration(it->second, &duration)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", name, " takes a duration such as 10s or 250ms, not '", it->second,
        "'"));
  }
  return duration;
}

absl::Status Args::CheckFlags(const std::set<std::string>& allowed) const {
  std::vector<std::string> known = {"server", "json", "deadline", "help"};
  for (const char* flag : client::kSecurityFlagNames) known.push_back(flag);
  const size_t common = known.size();
  known.insert(known.end(), allowed.begin(), allowed.end());
  for (const auto& [name, value] : flags) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    // The command's own flags first: a near one is the likelier slip.
    std::vector<std::string> candidates(known.begin() + common, known.end());
    candidates.insert(candidates.end(), known.begin(), known.begin() + common);
    return absl::InvalidArgumentError(
        absl::StrCat("unknown flag --", name, " for '", command, "'",
                     DidYouMean(name, candidates, "--")));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseHandle(const std::string& text) {
  uint64_t handle = 0;
  bool ok = false;
  if (absl::StartsWithIgnoreCase(text, "0x")) {
    ok = absl::SimpleHexAtoi(text.substr(2), &handle);
  } else {
    ok = absl::SimpleAtoi(text, &handle);
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a handle (a number)"));
  }
  return handle;
}

}  // namespace heapd::heapctl
