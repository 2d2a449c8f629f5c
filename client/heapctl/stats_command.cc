#include "client/heapctl/stats_command.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/heapctl/json.h"
#include "client/heapctl/stats_format.h"

namespace heapd::heapctl {

absl::StatusOr<std::vector<v1::StatsSection>> ParseSections(
    const std::string& text) {
  std::vector<v1::StatsSection> sections;
  if (text.empty() || text == "all") return sections;
  for (absl::string_view word : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    v1::StatsSection section;
    if (!v1::StatsSection_Parse(absl::AsciiStrToUpper(word), &section) ||
        section == v1::STATS_SECTION_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown section '", word,
          "' (allocator, objects, collector, lock, server, slowlog)"));
    }
    sections.push_back(section);
  }
  return sections;
}

namespace {

int RunStats(Context& context, const Command& self) {
  const Args& args = context.args;
  if (!args.words.empty()) {
    return UsageError(context, self, "stats takes no words");
  }
  absl::StatusOr<std::vector<v1::StatsSection>> sections =
      ParseSections(args.Flag("sections"));
  absl::StatusOr<bool> fresh = args.Switch("fresh");
  absl::StatusOr<bool> redact = args.Switch("redact");
  for (const absl::Status& status :
       {sections.status(), fresh.status(), redact.status()}) {
    if (!status.ok()) {
      return UsageError(context, self, std::string(status.message()));
    }
  }
  absl::StatusOr<v1::StatsResponse> stats =
      context.client.Stats(*sections, *fresh);
  if (!stats.ok()) return RpcError(context, stats.status());
  if (context.json) {
    if (*redact) RedactStats(&*stats);
    context.out << ToJson(*stats);
    return kExitOk;
  }
  StatsFormatOptions options;
  options.redact = *redact;
  options.slowlog =
      sections->empty() || std::find(sections->begin(), sections->end(),
                                     v1::SLOWLOG) != sections->end();
  context.out << FormatStats(*stats, options);
  return kExitOk;
}

}  // namespace

Command StatsCommand() {
  Command command{
      "stats",
      "stats [--sections=allocator,objects,collector,lock,server,slowlog] "
      "[--fresh] [--redact] [--json]",
      "allocator (as sys._debugmallocstats()), objects, collector, lock, "
      "server, slow log",
      "Served without the interpreter lock from a snapshot up to ~100 ms old;\n"
      "--fresh publishes one first (takes the lock). --redact prints figures\n"
      "that vary between runs of the same requests (durations, lock counts,\n"
      "version, uptime, the slow log) as `*` (in JSON: zero), for diffing two\n"
      "runs. --json prints the StatsResponse with the proto's field names;\n"
      "`heapctl diff` reads two such files.\n",
      {"sections", "fresh", "redact"},
      nullptr};
  command.run = [self = command](Context& c) { return RunStats(c, self); };
  return command;
}

}  // namespace heapd::heapctl
