// `heapctl collect|gc-config|freeze|unfreeze`.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/heapctl/heap_commands.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::Nanos;
namespace {

// These only look at or act on the whole heap: any session will do, so a
// temporary one stands in when --session is absent.
template <typename Body>
int InSession(Context& context, Body body) {
  absl::StatusOr<std::optional<client::Session>> session =
      SessionFor(context, /*temporary_ok=*/true);
  if (!session.ok()) return RpcError(context, session.status());
  return body(**session);
}

std::string DescribeConfig(const v1::GcConfig& config) {
  return absl::StrCat("thresholds ", absl::StrJoin(config.thresholds(), " "),
                      ", ", config.enabled() ? "enabled" : "disabled",
                      ", debug flags ", config.debug_flags());
}

int RunCollect(Context& context, const Command& self) {
  if (!context.args.words.empty()) {
    return UsageError(context, self, "collect takes no words");
  }
  absl::StatusOr<std::optional<int64_t>> generation =
      context.args.OptionalInt("generation");
  if (!generation.ok()) {
    return UsageError(context, self,
                      std::string(generation.status().message()));
  }
  return InSession(context, [&](const client::Session& s) {
    std::optional<int> gen;
    if (generation->has_value()) gen = static_cast<int>(**generation);
    absl::StatusOr<v1::CollectResponse> r = s.Collect(gen);
    if (!r.ok()) return RpcError(context, r.status());
    return Print(
        context, *r,
        absl::StrCat("collected ", r->collected(), ", uncollectable ",
                     r->uncollectable(), ", examined ", r->examined(), " in ",
                     Nanos(r->duration_ns()), "; generations now ",
                     absl::StrJoin(r->generation_counts(), " ")));
  });
}

int RunGcConfig(Context& context, const Command& self) {
  const Args& args = context.args;
  const std::string verb = args.words.empty() ? "get" : args.words[0];
  if (args.words.size() > 1) {
    return UsageError(context, self, "say 'gc-config get' or 'gc-config set'");
  }
  if (verb != "get" && verb != "set") {
    return UnknownSubcommand(context, self, verb, {"get", "set"});
  }
  if (verb == "get") {
    return InSession(context, [&](const client::Session& s) {
      absl::StatusOr<v1::GcConfig> config = s.GetGcConfig();
      if (!config.ok()) return RpcError(context, config.status());
      return Print(context, *config, DescribeConfig(*config));
    });
  }
  v1::SetGcConfigRequest request;
  bool any = false;
  for (int i = 0; i < 3; ++i) {
    const std::string name = absl::StrCat("threshold", i);
    absl::StatusOr<std::optional<int64_t>> value = args.OptionalInt(name);
    if (!value.ok()) {
      return UsageError(context, self, std::string(value.status().message()));
    }
    if (!value->has_value()) continue;
    any = true;
    if (i == 0) request.set_threshold0(**value);
    if (i == 1) request.set_threshold1(**value);
    if (i == 2) request.set_threshold2(**value);
  }
  if (args.Has("enabled")) {
    absl::StatusOr<bool> enabled = args.Switch("enabled");
    if (!enabled.ok()) {
      return UsageError(context, self, std::string(enabled.status().message()));
    }
    request.set_enabled(*enabled);
    any = true;
  }
  absl::StatusOr<std::optional<int64_t>> flags =
      args.OptionalInt("debug_flags");
  if (!flags.ok()) {
    return UsageError(context, self, std::string(flags.status().message()));
  }
  if (flags->has_value()) {
    request.set_debug_flags(static_cast<uint32_t>(**flags));
    any = true;
  }
  if (!any) {
    return UsageError(context, self,
                      "gc-config set needs at least one of --threshold0/1/2, "
                      "--enabled, --debug_flags");
  }
  return InSession(context, [&](const client::Session& s) {
    absl::StatusOr<v1::GcConfig> config = s.SetGcConfig(request);
    if (!config.ok()) return RpcError(context, config.status());
    return Print(context, *config, DescribeConfig(*config));
  });
}

int RunFreeze(Context& context, const Command& self, bool freeze) {
  if (!context.args.words.empty()) {
    return UsageError(context, self,
                      absl::StrCat(self.name, " takes no words"));
  }
  return InSession(context, [&](const client::Session& s) {
    if (freeze) {
      absl::StatusOr<v1::FreezeResponse> r = s.Freeze();
      if (!r.ok()) return RpcError(context, r.status());
      return Print(
          context, *r,
          absl::StrCat("permanent generation holds ", r->frozen(), " objects"));
    }
    absl::StatusOr<v1::UnfreezeResponse> r = s.Unfreeze();
    if (!r.ok()) return RpcError(context, r.status());
    return Print(context, *r,
                 absl::StrCat("moved ", r->unfrozen(),
                              " objects back into generation 2"));
  });
}

}  // namespace

std::vector<Command> CollectorCommands() {
  std::vector<Command> commands = {
      {"collect",
       "collect [--generation=0|1|2] [--session=ID]",
       "run the cyclic garbage collector (gc.collect())",
       "Without --generation a full collection (2), as gc.collect().\n",
       {"generation", "session"},
       nullptr},
      {"gc-config",
       "gc-config [get] | gc-config set [--threshold0=N] [--threshold1=N] "
       "[--threshold2=N] [--enabled=true|false] [--debug_flags=N]",
       "the collector's thresholds, enabled flag and debug flags",
       "`set` changes only the flags given and prints the configuration "
       "after.\n"
       "Threshold 0 = 0 turns automatic collection off, as in CPython. Debug\n"
       "flags are gc's bits (1 stats, 2 collectable, 4 uncollectable, 32\n"
       "saveall).\n",
       {"threshold0", "threshold1", "threshold2", "enabled", "debug_flags",
        "session"},
       nullptr},
      {"freeze",
       "freeze [--session=ID]",
       "move every tracked object into the permanent generation",
       "",
       {"session"},
       nullptr},
      {"unfreeze",
       "unfreeze [--session=ID]",
       "move the permanent generation back into generation 2",
       "",
       {"session"},
       nullptr},
  };
  commands[0].run = [self = commands[0]](Context& c) {
    return RunCollect(c, self);
  };
  commands[1].run = [self = commands[1]](Context& c) {
    return RunGcConfig(c, self);
  };
  commands[2].run = [self = commands[2]](Context& c) {
    return RunFreeze(c, self, true);
  };
  commands[3].run = [self = commands[3]](Context& c) {
    return RunFreeze(c, self, false);
  };
  return commands;
}

}  // namespace heapd::heapctl
