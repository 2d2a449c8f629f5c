// `heapctl alloc|incref|decref|link|unlink|get|weakref|weakref-read|inspect`.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "client/heapctl/heap_commands.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::TypeName;
namespace {

// Runs `body` with the command's session, reporting a missing one.
template <typename Body>
int WithSession(Context& context, const Command& self, bool temporary_ok,
                Body body) {
  absl::StatusOr<std::optional<client::Session>> session =
      SessionFor(context, temporary_ok);
  if (!session.ok()) return RpcError(context, session.status());
  if (!session->has_value()) {
    return UsageError(
        context, self,
        absl::StrCat(self.name,
                     " needs --session=ID (heapctl session open prints one)"));
  }
  return body(**session);
}

// The handle in word `index`, or a usage error through `error`.
absl::StatusOr<uint64_t> HandleWord(const Args& args, size_t index) {
  if (index >= args.words.size()) {
    return absl::InvalidArgumentError("a handle is missing");
  }
  return ParseHandle(args.words[index]);
}

// Up to this many objects, `alloc` lists each; more are summarised.
constexpr int kAllocListLimit = 10;

// One line per object (`HANDLE TYPE size=S block=B class=C`), or, beyond
// kAllocListLimit objects without --all, one line saying how many, their
// size and the first and last handles: a terminal is no place for 50,000
// handles, and a script that wants them asks for --all or --json.
std::string DescribeAllocated(const v1::AllocateResponse& allocated,
                              absl::string_view type, bool all) {
  std::string text;
  const int count = allocated.objects_size();
  if (all || count <= kAllocListLimit) {
    for (const v1::AllocatedObject& object : allocated.objects()) {
      absl::StrAppendFormat(&text, "%d %s size=%d block=%d class=%d\n",
                            object.handle(), type, object.size(),
                            object.block_size(), object.size_class());
    }
    return text;
  }
  // One type and length: one size for all.
  const v1::AllocatedObject& first = allocated.objects(0);
  const v1::AllocatedObject& last = allocated.objects(count - 1);
  return absl::StrFormat(
      "%s %s objects size=%d block=%d class=%d, handles %d (first) .. %d "
      "(last); --all or --json lists every handle\n",
      client::WithCommas(count), type, first.size(), first.block_size(),
      first.size_class(), first.handle(), last.handle());
}

int RunAlloc(Context& context, const Command& self) {
  const Args& args = context.args;
  if (args.words.size() != 1) {
    return UsageError(context, self, "say which type to allocate");
  }
  v1::ObjectType type;
  if (!v1::ObjectType_Parse(absl::AsciiStrToUpper(args.words[0]), &type) ||
      type == v1::OBJECT_TYPE_UNSPECIFIED) {
    return UsageError(
        context, self,
        absl::StrCat("unknown type '", args.words[0],
                     "' (int, float, str, bytes, tuple, list, dict, set, "
                     "object, raw)"));
  }
  absl::StatusOr<int64_t> length = args.Int("length", 0);
  absl::StatusOr<int64_t> count = args.Int("count", 1);
  if (!length.ok()) {
    return UsageError(context, self, std::string(length.status().message()));
  }
  if (!count.ok() || *count < 1 || *count > UINT32_MAX) {
    return UsageError(context, self, "--count is a positive integer");
  }
  absl::StatusOr<bool> all = args.Switch("all");
  if (!all.ok()) {
    return UsageError(context, self, std::string(all.status().message()));
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::AllocateResponse> allocated =
        s.Allocate(type, *length, static_cast<uint32_t>(*count));
    if (!allocated.ok()) return RpcError(context, allocated.status());
    return Print(context, *allocated,
                 DescribeAllocated(*allocated, TypeName(type), *all));
  });
}

int RunRefcount(Context& context, const Command& self, bool increment) {
  absl::StatusOr<uint64_t> handle = HandleWord(context.args, 0);
  if (!handle.ok() || context.args.words.size() != 1) {
    return UsageError(context, self, "give one handle");
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    if (increment) {
      absl::StatusOr<v1::IncRefResponse> r = s.IncRef(*handle);
      if (!r.ok()) return RpcError(context, r.status());
      return Print(context, *r,
                   absl::StrCat("refcount ", r->refcount(), ", session holds ",
                                r->session_references()));
    }
    absl::StatusOr<v1::DecRefResponse> r = s.DecRef(*handle);
    if (!r.ok()) return RpcError(context, r.status());
    return Print(context, *r,
                 absl::StrCat("refcount ", r->refcount(), ", session holds ",
                              r->session_references(), ", freed ",
                              r->objects_freed(), " objects"));
  });
}

int RunLink(Context& context, const Command& self) {
  const Args& args = context.args;
  absl::StatusOr<uint64_t> source = HandleWord(args, 0);
  absl::StatusOr<uint64_t> target = HandleWord(args, 1);
  if (!source.ok() || !target.ok() || args.words.size() != 2) {
    return UsageError(context, self, "give a source and a target handle");
  }
  absl::StatusOr<bool> append = args.Switch("append");
  if (!append.ok()) {
    return UsageError(context, self, std::string(append.status().message()));
  }
  absl::StatusOr<std::optional<int64_t>> index = args.OptionalInt("index");
  if (!index.ok()) {
    return UsageError(context, self, std::string(index.status().message()));
  }
  if (int{args.Has("field")} + int{*append} + int{index->has_value()} != 1) {
    return UsageError(context, self,
                      "give one of --field=NAME, --append or --index=N");
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::LinkResponse> r =
        *append              ? s.Append(*source, *target)
        : index->has_value() ? s.SetItem(*source, **index, *target)
                             : s.Link(*source, *target, args.Flag("field"));
    if (!r.ok()) return RpcError(context, r.status());
    std::string text = absl::StrCat("target refcount ", r->target_refcount());
    if (r->replaced() != 0) {
      absl::StrAppend(&text, ", replaced ", r->replaced());
    }
    absl::StrAppend(&text, ", freed ", r->objects_freed(), " objects");
    return Print(context, *r, text);
  });
}

int RunUnlink(Context& context, const Command& self) {
  const Args& args = context.args;
  absl::StatusOr<uint64_t> source = HandleWord(args, 0);
  if (!source.ok() || args.words.size() != 1) {
    return UsageError(context, self, "give the source handle");
  }
  absl::StatusOr<std::optional<int64_t>> index = args.OptionalInt("index");
  if (!index.ok()) {
    return UsageError(context, self, std::string(index.status().message()));
  }
  if (int{args.Has("field")} + int{args.Has("item")} +
          int{index->has_value()} !=
      1) {
    return UsageError(context, self,
                      "give one of --field=NAME, --item=HANDLE or --index=N");
  }
  absl::StatusOr<uint64_t> item = uint64_t{0};
  if (args.Has("item")) item = ParseHandle(args.Flag("item"));
  if (!item.ok()) {
    return UsageError(context, self, std::string(item.status().message()));
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::UnlinkResponse> r =
        args.Has("item")     ? s.Remove(*source, *item)
        : index->has_value() ? s.DeleteItem(*source, **index)
                             : s.Unlink(*source, args.Flag("field"));
    if (!r.ok()) return RpcError(context, r.status());
    return Print(context, *r,
                 absl::StrCat("released ", r->released(), " (refcount ",
                              r->released_refcount(), "), freed ",
                              r->objects_freed(), " objects"));
  });
}

int RunGet(Context& context, const Command& self) {
  const Args& args = context.args;
  absl::StatusOr<uint64_t> source = HandleWord(args, 0);
  if (!source.ok() || args.words.size() != 1) {
    return UsageError(context, self, "give the source handle");
  }
  absl::StatusOr<std::optional<int64_t>> index = args.OptionalInt("index");
  if (!index.ok()) {
    return UsageError(context, self, std::string(index.status().message()));
  }
  if (args.Has("field") == index->has_value()) {
    return UsageError(context, self, "give either --field=NAME or --index=N");
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::GetReferentResponse> r =
        index->has_value() ? s.GetItem(*source, **index)
                           : s.GetField(*source, args.Flag("field"));
    if (!r.ok()) return RpcError(context, r.status());
    return Print(context, *r,
                 absl::StrFormat("%d %s size=%d, refcount %d, session holds %d",
                                 r->handle(), TypeName(r->type()), r->size(),
                                 r->refcount(), r->session_references()));
  });
}

int RunWeakRef(Context& context, const Command& self) {
  absl::StatusOr<uint64_t> handle = HandleWord(context.args, 0);
  if (!handle.ok() || context.args.words.size() != 1) {
    return UsageError(context, self, "give one handle");
  }
  absl::StatusOr<bool> callback = context.args.Switch("callback");
  if (!callback.ok()) {
    return UsageError(context, self, std::string(callback.status().message()));
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::CreateWeakRefResponse> r =
        s.CreateWeakRef(*handle, *callback);
    if (!r.ok()) return RpcError(context, r.status());
    return Print(context, *r, absl::StrCat("weak reference ", r->weakref_id()));
  });
}

int RunWeakRefRead(Context& context, const Command& self) {
  absl::StatusOr<uint64_t> id = HandleWord(context.args, 0);
  if (!id.ok() || context.args.words.size() != 1) {
    return UsageError(context, self, "give one weak reference id");
  }
  return WithSession(context, self, false, [&](const client::Session& s) {
    absl::StatusOr<v1::ReadWeakRefResponse> r = s.ReadWeakRef(*id);
    if (!r.ok()) return RpcError(context, r.status());
    if (r->handle() == 0) return Print(context, *r, "dead (r() is None)");
    return Print(context, *r,
                 absl::StrFormat("%d %s size=%d, refcount %d, session holds %d",
                                 r->handle(), TypeName(r->type()), r->size(),
                                 r->refcount(), r->session_references()));
  });
}

std::string Generation(int32_t generation) {
  if (generation < 0) return "untracked";
  if (generation == 3) return "permanent (frozen)";
  return absl::StrCat("generation ", generation);
}

}  // namespace

// Also used by `heapctl dot`'s text: one object in a few lines.
std::string DescribeObject(const v1::ObjectInfo& o) {
  std::string text = absl::StrFormat(
      "%d: %s, length %d, size %d (block %d, class %d), refcount %d, %s\n",
      o.handle(), TypeName(o.type()), o.length(), o.size(), o.block_size(),
      o.size_class(), o.refcount(), Generation(o.generation()));
  for (const v1::FieldLink& field : o.fields()) {
    absl::StrAppendFormat(&text, "  .%s -> %d\n", field.name(), field.target());
  }
  if (o.items_size() > 0) {
    absl::StrAppend(&text, "  items: ", absl::StrJoin(o.items(), " "), "\n");
  }
  absl::StrAppend(
      &text, "  referrers: ",
      o.referrers_size() == 0 ? "none" : absl::StrJoin(o.referrers(), " "),
      "\n");
  absl::StrAppendFormat(
      &text, "  session holds %d; finalizer %s; weak references %d\n",
      o.session_references(),
      o.has_finalizer() ? (o.finalized() ? "ran" : "pending") : "none",
      o.weakref_count());
  return text;
}

namespace {

int RunInspect(Context& context, const Command& self) {
  absl::StatusOr<uint64_t> handle = HandleWord(context.args, 0);
  if (!handle.ok() || context.args.words.size() != 1) {
    return UsageError(context, self, "give one handle");
  }
  return WithSession(context, self, true, [&](const client::Session& s) {
    absl::StatusOr<v1::ObjectInfo> info = s.Inspect(*handle);
    if (!info.ok()) return RpcError(context, info.status());
    return Print(context, *info, DescribeObject(*info));
  });
}

}  // namespace

std::vector<Command> ObjectCommands() {
  std::vector<Command> commands = {
      {"alloc",
       "alloc TYPE [--length=N] [--count=N] [--all] --session=ID",
       "allocate objects; the session holds a reference to each",
       "TYPE is int, float, str, bytes, tuple, list, dict, set, object or "
       "raw;\n"
       "--length is the bit length (int), characters (str), bytes (bytes,\n"
       "raw), slots (tuple) or capacity (list). Prints one line per object,\n"
       "the handle first: `HANDLE TYPE size=S block=B class=C`; more than 10\n"
       "objects are summarised in one line (count, size, first and last\n"
       "handles) unless --all or --json asks for every one.\n",
       {"session", "length", "count", "all"},
       nullptr},
      {"incref",
       "incref HANDLE --session=ID",
       "the session takes one more reference",
       "",
       {"session"},
       nullptr},
      {"decref",
       "decref HANDLE --session=ID",
       "the session drops one of its references",
       "Objects are freed when their count reaches zero, with whatever only\n"
       "they kept alive; cycles wait for `heapctl collect`.\n",
       {"session"},
       nullptr},
      {"link",
       "link SOURCE TARGET (--field=NAME | --append | --index=N) --session=ID",
       "source.field = target, source.append(target) or source[N] = target",
       "--index replaces a list's item N (negative counts from the end, as\n"
       "in Python), releasing the item it held.\n",
       {"session", "field", "append", "index"},
       nullptr},
      {"unlink",
       "unlink SOURCE (--field=NAME | --item=HANDLE | --index=N) --session=ID",
       "del source.field, source.remove(item) or del source[N]",
       "",
       {"session", "field", "item", "index"},
       nullptr},
      {"get",
       "get SOURCE (--field=NAME | --index=N) --session=ID",
       "x = source.field or x = source[N]: the session takes a reference",
       "Prints the referent's handle first: `HANDLE TYPE size=S, refcount R,\n"
       "session holds H`. The session holds one more reference to it (drop\n"
       "it with `heapctl decref`). --index reads a list's item or a tuple's\n"
       "slot; negative counts from the end.\n",
       {"session", "field", "index"},
       nullptr},
      {"weakref",
       "weakref HANDLE [--callback] --session=ID",
       "weakref.ref(object): prints the weak reference's id",
       "It never keeps the object alive and is cleared when the object dies;\n"
       "--callback records an event then. `heapctl weakref-read ID` calls\n"
       "it.\n",
       {"session", "callback"},
       nullptr},
      {"weakref-read",
       "weakref-read ID --session=ID",
       "r(): the referent, the session taking a reference, or dead",
       "Prints `HANDLE TYPE size=S, refcount R, session holds H`, or `dead`\n"
       "once the referent died.\n",
       {"session"},
       nullptr},
      {"inspect",
       "inspect HANDLE [--session=ID]",
       "one object: type, sizes, refcount, generation, links",
       "Without --session a temporary session is used.\n",
       {"session"},
       nullptr},
  };
  commands[0].run = [self = commands[0]](Context& c) {
    return RunAlloc(c, self);
  };
  commands[1].run = [self = commands[1]](Context& c) {
    return RunRefcount(c, self, true);
  };
  commands[2].run = [self = commands[2]](Context& c) {
    return RunRefcount(c, self, false);
  };
  commands[3].run = [self = commands[3]](Context& c) {
    return RunLink(c, self);
  };
  commands[4].run = [self = commands[4]](Context& c) {
    return RunUnlink(c, self);
  };
  commands[5].run = [self = commands[5]](Context& c) {
    return RunGet(c, self);
  };
  commands[6].run = [self = commands[6]](Context& c) {
    return RunWeakRef(c, self);
  };
  commands[7].run = [self = commands[7]](Context& c) {
    return RunWeakRefRead(c, self);
  };
  commands[8].run = [self = commands[8]](Context& c) {
    return RunInspect(c, self);
  };
  return commands;
}

}  // namespace heapd::heapctl
