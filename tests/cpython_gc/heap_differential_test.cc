// The differential test: each CPython program NN_name.py in this directory
// is replayed on heapd::objects::ObjectHeap, operation for operation, and the
// heap's `name value` lines are compared with what CPython 3.12.1 printed
// (NN_name.expected, read from the runfiles at run time).
//
// The mapping, everywhere:
//   a Python name binding            one reference held by kProgram
//   x = <new object>                 Allocate (kProgram holds the reference)
//   y = x                            IncRef;   del y        DecRef
//   a.x = b, d["x"] = b, (.., b, ..) SetField (tuple slots "0".."n-1")
//   l.append(x), s.add(x)            Append
//   del a.x, del d["x"]              ClearField
//   l.remove(x), s.discard(x)        RemoveItem
//   gc.collect(g)                    Collect(g); its value: collected +
//                                    uncollectable, as gc_collect_main's n + m
//   __del__                          Finalizer kRecord; appending self to a
//                                    global list: kResurrectToOwner (kProgram
//                                    then holds the list's reference);
//                                    holder.attr = self: kResurrectInto
//   weakref.ref(x[, cb])             CreateWeakRef(x, cb != None); w() is
//                                    WeakRefTarget; cb calls are
//                                    kWeakRefCallback events
//   gc.freeze / unfreeze             Freeze / Unfreeze
//   gc.set_debug, set_threshold,     SetGcConfig
//   enable, disable
//   len(gc.garbage), .clear()        garbage_size(), ClearGarbage()
//   gc.get_count()[g]                Stats().generations[g].count
//   gc.get_freeze_count()            Stats().permanent
//   gc.is_tracked(x)                 Inspect(x).tracked
//   gc.get_referents(x)              Inspect(x).referents
//   gc.callbacks                     kCollection events (one per collection;
//                                    automatic == threshold-triggered)
//   sys.getrefcount(x) - 1           RefCount(x). The programs subtract the
//                                    call's own temporary reference, and an
//                                    expression argument (w(), holder.saved,
//                                    saved[0]) is a new reference that is
//                                    exactly that temporary: in every case the
//                                    printed number is the refcount the
//                                    object has without the call, i.e. the
//                                    model's RefCount.
// Every program starts with gc.collect(); gc.disable(): a fresh heap with
// automatic collection off. The programs' interpreter warm-ups (int("7"),
// the first gc.get_count()) have no heap counterpart and are not replayed.
//
// Each TEST produces every key of its program that the heap can express.
// Keys it cannot express are listed in the TEST with the reason
// (Scenario::NotModelled); the shared check fails if an expected key is
// neither produced nor listed, so nothing is skipped silently. Where the heap
// claims to model a key and gives a different number, the key is listed in
// kKnownDifferences below with both values and the analysis; the check then
// asserts that the difference is still exactly the recorded one (so a fix in
// the heap makes this test ask for the entry to be removed).
//
// One file, longer than the usual 600 lines: the interpreter of the
// programs' small operation language and its 31 replays belong together.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_type.h"

namespace heapd {
namespace {

// ---------------------------------------------------------------------------
// Differences between heapd and CPython 3.12.1 on keys the heap claims to
// model. Each entry: the scenario, the key, CPython's value (as in the
// .expected file), heapd's value, and why they differ.

struct KnownDifference {
  const char* scenario;
  const char* key;
  const char* cpython;
  const char* heapd;
  const char* analysis;
};

// Empty: both differences found so far (the finalizer on the refcount path,
// and collecting inside the allocation instead of at the next safe point)
// were fixed in the heap. A new entry goes here, with its analysis.
constexpr std::array<KnownDifference, 0> kKnownDifferences{};

const KnownDifference* FindKnownDifference(absl::string_view scenario,
                                           absl::string_view key) {
  for (const KnownDifference& d : kKnownDifferences) {
    if (scenario == d.scenario && key == d.key) return &d;
  }
  return nullptr;
}

// Every program in this directory; a new NN_name.expected without a TEST
// fails EveryProgramHasATest.
const std::vector<std::string>& AllScenarios() {
  static const auto* const kScenarios = new std::vector<std::string>{
      "01_integer_atomic",
      "02_small_list",
      "03_self_referencing_list",
      "04_instance_pair_cycle",
      "05_dict_cycle",
      "06_tuple_list_cycle",
      "07_three_object_ring",
      "08_cycle_kept_alive_by_external_ref",
      "09_finalizer_cycle_pep442",
      "10_finalizer_resurrects_global",
      "11_finalizer_resurrects_into_live_attr",
      "12_weakref_callback_on_garbage",
      "13_weakref_to_live_object",
      "14_weakref_inside_garbage_no_callback",
      "15_long_chain_10000",
      "16_long_cycle_10000",
      "17_freeze_unfreeze",
      "18_threshold_701_allocations",
      "19_threshold_gen1_collection",
      "20_get_count_readings",
      "21_gen0_leaves_older_cycles",
      "22_debug_saveall",
      "23_disable_prevents_automatic",
      "24_unlink_breaks_cycle",
      "25_set_cycle",
      "26_cycle_with_acyclic_tail",
      "27_callbacks_info",
      "28_untracked_atomic_containers",
      "29_list_free_list_count_quirk",
      "30_default_threshold",
      "31_scheduled_gc_single_call",
  };
  return *kScenarios;
}

// ---------------------------------------------------------------------------
// The recorded numbers

std::string ScenarioDirectory() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  if (srcdir == nullptr) return "";
  std::vector<std::string> candidates;
  if (const char* workspace = std::getenv("TEST_WORKSPACE")) {
    candidates.push_back(
        absl::StrCat(srcdir, "/", workspace, "/tests/cpython_gc"));
  }
  candidates.push_back(absl::StrCat(srcdir, "/heapd/tests/cpython_gc"));
  for (const std::string& dir : candidates) {
    if (std::filesystem::is_directory(dir)) return dir;
  }
  return candidates.back();
}

// The `name value` lines of NN_name.expected, in order.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadExpected(
    const std::string& scenario) {
  if (std::getenv("TEST_SRCDIR") == nullptr) {
    return absl::FailedPreconditionError(
        "TEST_SRCDIR is not set: run this test with bazel test "
        "//tests/cpython_gc:heap_differential_test");
  }
  const std::string path =
      absl::StrCat(ScenarioDirectory(), "/", scenario, ".expected");
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ", path,
                     " (is it in the test's data = [\":expected\"]?)"));
  }
  std::vector<std::pair<std::string, std::string>> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string name, value, extra;
    if (!(fields >> name >> value) || (fields >> extra)) {
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": not a `name value` line: ", line));
    }
    lines.emplace_back(name, value);
  }
  return lines;
}

// ---------------------------------------------------------------------------
// One scenario's produced lines, the keys it cannot model, and the check.

class Scenario {
 public:
  explicit Scenario(std::string name) : name_(std::move(name)) {
    const auto& all = AllScenarios();
    if (std::find(all.begin(), all.end(), name_) == all.end()) {
      ADD_FAILURE() << name_ << " is not in AllScenarios()";
    }
  }
  ~Scenario() {
    if (!finished_) ADD_FAILURE() << name_ << ": Finish() was never reached";
  }

  // A `name value` line, as the program's out() prints it.
  template <typename T>
  void Out(const std::string& key, T value) {
    std::string text;
    if constexpr (std::is_same_v<T, bool>) {
      text = value ? "true" : "false";
    } else {
      static_assert(std::is_integral_v<T>, "out() prints integers or bools");
      text = absl::StrCat(static_cast<int64_t>(value));
    }
    if (produced_.count(key) != 0) {
      ADD_FAILURE() << name_ << ": key " << key << " produced twice";
    }
    produced_[key] = text;
    order_.push_back(key);
  }

  // A key of the program the heap cannot express, and why. `heapd` is, when
  // the replay can compute one, what the heap would say (informational,
  // never compared).
  void NotModelled(const std::string& key, const std::string& reason,
                   const std::string& heapd = "") {
    if (not_modelled_.count(key) != 0) {
      ADD_FAILURE() << name_ << ": key " << key << " listed twice";
    }
    not_modelled_[key] = {reason, heapd};
  }

  // Verify() the heap, then compare every produced key with the recorded
  // value, and check that every recorded key is produced or listed.
  void Finish(const objects::ObjectHeap& heap) {
    finished_ = true;
    const absl::Status valid = heap.Verify();
    ASSERT_TRUE(valid.ok()) << name_ << ": " << valid;

    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> lines =
        ReadExpected(name_);
    ASSERT_TRUE(lines.ok()) << lines.status();
    std::map<std::string, std::string> expected;
    for (const auto& [key, value] : *lines) {
      EXPECT_TRUE(expected.emplace(key, value).second)
          << name_ << ".expected has key " << key << " twice";
    }

    for (const auto& [key, value] : expected) {
      const bool produced = produced_.count(key) != 0;
      const bool listed = not_modelled_.count(key) != 0;
      EXPECT_FALSE(produced && listed)
          << name_ << ": key " << key
          << " is both produced and listed as not modelled";
      EXPECT_TRUE(produced || listed)
          << name_ << ": key " << key << " (CPython: " << value
          << ") is neither produced nor listed with NotModelled(): every key "
             "must be compared or explained";
    }
    for (const auto& [key, entry] : not_modelled_) {
      EXPECT_TRUE(expected.count(key) != 0)
          << name_ << ": NotModelled(\"" << key
          << "\") names a key the program does not print";
    }

    int compared = 0;
    int differences = 0;
    for (const std::string& key : order_) {
      const std::string& heapd_value = produced_[key];
      auto it = expected.find(key);
      if (it == expected.end()) {
        ADD_FAILURE() << name_ << ": produced key " << key << " = "
                      << heapd_value << " is not in " << name_ << ".expected";
        continue;
      }
      ++compared;
      const std::string& cpython_value = it->second;
      if (const KnownDifference* d = FindKnownDifference(name_, key)) {
        ++differences;
        EXPECT_EQ(cpython_value, d->cpython)
            << name_ << " " << key
            << ": the recorded CPython value changed; update kKnownDifferences";
        EXPECT_EQ(heapd_value, d->heapd)
            << name_ << " " << key << ": heapd now gives " << heapd_value
            << (heapd_value == cpython_value
                    ? ", which is CPython's value: remove the entry from "
                      "kKnownDifferences"
                    : ", not the recorded difference: update "
                      "kKnownDifferences");
        continue;
      }
      EXPECT_EQ(heapd_value, cpython_value)
          << name_ << ": key " << key << ": heapd " << heapd_value
          << ", CPython 3.12.1 " << cpython_value;
    }
    for (const KnownDifference& d : kKnownDifferences) {
      if (name_ == d.scenario) {
        EXPECT_TRUE(produced_.count(d.key) != 0)
            << name_ << ": kKnownDifferences names key " << d.key
            << ", which this scenario does not produce";
      }
    }

    std::cout << "[scenario] " << name_ << ": " << expected.size() << " keys, "
              << compared << " compared (" << differences
              << " known differences), " << not_modelled_.size()
              << " not modelled\n";
    for (const auto& [key, entry] : not_modelled_) {
      auto it = expected.find(key);
      std::cout << "[not modelled] " << name_ << " " << key << " (CPython "
                << (it == expected.end() ? "?" : it->second)
                << (entry.second.empty() ? "" : ", heapd replay ")
                << entry.second << "): " << entry.first << "\n";
    }
  }

 private:
  std::string name_;
  std::map<std::string, std::string> produced_;
  std::vector<std::string> order_;
  std::map<std::string, std::pair<std::string, std::string>> not_modelled_;
  bool finished_ = false;
};

// Common reasons.
constexpr char kWeakrefIsNotAnObject[] =
    "heapd's weak references are not heap objects (no handle, never "
    "tracked, not counted by get_count/get_freeze_count/collect, cannot be "
    "stored in a field); CPython's weakref.ref is a tracked GC container";
constexpr char kNoUntracking[] =
    "heapd does not model CPython's untracking of atomic-only containers "
    "(dicts whose keys/values are all atomic are never tracked, "
    "MAINTAIN_TRACKING in Objects/dictobject.c; tuples of atomics are "
    "untracked by the first collection they survive, untrack_tuples in "
    "Modules/gcmodule.c): every heapd container is tracked from Allocate "
    "until it dies";
constexpr char kNoListFreeList[] =
    "heapd does not model CPython's list free list (80 slots, "
    "Objects/listobject.c): a list freed into it does not lower count0 and "
    "one taken from it does not raise it; heapd frees and allocates every "
    "list for real";

// ---------------------------------------------------------------------------
// The program's view of the heap: Python statements as heap operations.
// A failed heap operation throws, which fails the test with the call.

constexpr objects::OwnerId kProgram =
    1;  // the program's names, temporaries, globals

template <typename T>
T Unwrap(absl::StatusOr<T> value, const char* call, int line) {
  if (!value.ok()) {
    throw std::runtime_error(absl::StrCat("line ", line, ": ", call, ": ",
                                          value.status().ToString()));
  }
  return *std::move(value);
}
#define OK_OR_THROW(call) Unwrap((call), #call, __LINE__)

objects::ObjectHeapOptions GcDisabled() {
  objects::ObjectHeapOptions options;
  options.gc.enabled = false;  // gc.disable() at the top of every program
  return options;
}

class Py {
 public:
  explicit Py(objects::ObjectHeap& heap) : heap_(heap) {}

  objects::ObjectHeap& heap() { return heap_; }

  // --- new objects (the program holds the one reference) --------------------
  objects::Handle New(objects::ObjectType type, int64_t length = 0,
                      objects::Finalizer finalizer = {}) {
    objects::AllocateSpec spec;
    spec.type = type;
    spec.length = length;
    spec.finalizer = std::move(finalizer);
    return OK_OR_THROW(heap_.Allocate(kProgram, spec)).handle;
  }
  objects::Handle Instance(objects::Finalizer finalizer = {}) {  // C()
    return New(objects::ObjectType::kObject, 0, std::move(finalizer));
  }
  objects::Handle List() { return New(objects::ObjectType::kList); }  // []
  objects::Handle Dict() { return New(objects::ObjectType::kDict); }  // {}
  objects::Handle Set() { return New(objects::ObjectType::kSet); }    // set()
  objects::Handle Tuple(int64_t n) {
    return New(objects::ObjectType::kTuple, n);
  }
  objects::Handle Float() {
    return New(objects::ObjectType::kFloat);
  }                                              // i * 0.5
  objects::Handle Str(absl::string_view text) {  // "leaf"
    return New(objects::ObjectType::kStr, static_cast<int64_t>(text.size()));
  }
  objects::Handle Int(int64_t value) {  // length: the bit length
    int64_t bits = 0;
    for (uint64_t v = value < 0 ? -value : value; v != 0; v >>= 1) ++bits;
    return New(objects::ObjectType::kInt, bits);
  }
  static objects::Finalizer Del() {  // __del__ that only runs
    objects::Finalizer f;
    f.action = objects::Finalizer::Action::kRecord;
    return f;
  }
  static objects::Finalizer DelAppendsSelfToGlobalList() {
    objects::Finalizer f;
    f.action = objects::Finalizer::Action::kResurrectToOwner;
    return f;
  }
  static objects::Finalizer DelStoresSelfInto(objects::Handle holder,
                                              std::string attr) {
    objects::Finalizer f;
    f.action = objects::Finalizer::Action::kResurrectInto;
    f.into = holder;
    f.field = std::move(attr);
    return f;
  }

  // --- names ---------------------------------------------------------------
  void Alias(objects::Handle h) {
    OK_OR_THROW(heap_.IncRef(kProgram, h));
  }  // y = x
  void DelName(objects::Handle h) {
    OK_OR_THROW(heap_.DecRef(kProgram, h));
  }  // del x

  // --- links ---------------------------------------------------------------
  void SetAttr(objects::Handle obj, absl::string_view attr,
               objects::Handle value) {
    OK_OR_THROW(heap_.SetField(obj, attr, value));
  }
  // obj.attr = <new object>: the temporary reference is dropped.
  void SetAttrNew(objects::Handle obj, absl::string_view attr,
                  objects::Handle fresh) {
    SetAttr(obj, attr, fresh);
    DelName(fresh);
  }
  void DelAttr(objects::Handle obj, absl::string_view attr) {
    OK_OR_THROW(heap_.ClearField(obj, attr));
  }
  void Append(objects::Handle container, objects::Handle item) {
    OK_OR_THROW(heap_.Append(container, item));
  }
  // l.append(<new object>)
  void AppendNew(objects::Handle container, objects::Handle fresh) {
    Append(container, fresh);
    DelName(fresh);
  }
  void Remove(objects::Handle container, objects::Handle item) {
    OK_OR_THROW(heap_.RemoveItem(container, item));
  }

  // --- reading ---------------------------------------------------------------
  objects::ObjectInfo Info(objects::Handle h) {
    return OK_OR_THROW(heap_.Inspect(h, kProgram));
  }
  int64_t Refs(objects::Handle h) { return OK_OR_THROW(heap_.RefCount(h)); }
  bool Tracked(objects::Handle h) { return Info(h).tracked; }
  // obj.attr, or 0 when absent (hasattr false).
  objects::Handle Attr(objects::Handle obj, absl::string_view attr) {
    const objects::ObjectInfo info = Info(obj);
    for (const objects::FieldLink& f : info.fields) {
      if (f.name == attr) return f.target;
    }
    return 0;
  }
  int64_t Len(objects::Handle container) {
    return static_cast<int64_t>(Info(container).items.size());
  }

  // --- weak references -------------------------------------------------------
  objects::WeakRefId Ref(objects::Handle h, bool callback = false) {
    return OK_OR_THROW(heap_.CreateWeakRef(h, callback));
  }
  objects::Handle Deref(objects::WeakRefId w) {
    return OK_OR_THROW(heap_.WeakRefTarget(w));
  }
  bool Alive(objects::WeakRefId w) { return Deref(w) != 0; }  // w() is not None

  // --- gc ------------------------------------------------------------------
  int64_t Collect(int generation = 2) {
    const objects::CollectResult r = OK_OR_THROW(heap_.Collect(generation));
    VerifyOrThrow();
    return r.collected + r.uncollectable;
  }
  void VerifyOrThrow() {
    const absl::Status status = heap_.Verify();
    if (!status.ok()) throw std::runtime_error(status.ToString());
  }
  int64_t Count(int generation) {
    return heap_.Stats().generations[generation].count;
  }
  void Configure(const objects::GcConfig& config) {
    const absl::Status status = heap_.SetGcConfig(config);
    if (!status.ok()) throw std::runtime_error(status.ToString());
  }
  void Enable(bool enabled) {
    objects::GcConfig c = heap_.gc_config();
    c.enabled = enabled;
    Configure(c);
  }
  void SetThreshold(int64_t t0, int64_t t1, int64_t t2) {
    objects::GcConfig c = heap_.gc_config();
    c.thresholds = {t0, t1, t2};
    Configure(c);
  }
  void SetThreshold0(int64_t t0) {  // gc.set_threshold(t0)
    objects::GcConfig c = heap_.gc_config();
    c.thresholds[0] = t0;
    Configure(c);
  }
  void SetDebug(uint32_t flags) {
    objects::GcConfig c = heap_.gc_config();
    c.debug_flags = flags;
    Configure(c);
  }
  // A point where CPython 3.12 checks the eval breaker (loop back-edge,
  // after a call): the scheduled automatic collection runs here.
  void SafePoint() {
    if (heap_.CollectIfScheduled()) VerifyOrThrow();
  }

  // --- events --------------------------------------------------------------
  // The sequence number of the last event so far: events after it are new.
  uint64_t Mark() {
    const std::vector<objects::HeapEvent> all = heap_.EventsSince(0);
    return all.empty() ? 0 : all.back().sequence;
  }
  std::vector<objects::HeapEvent> Events(objects::HeapEvent::Kind kind,
                                         uint64_t after = 0) {
    const std::vector<objects::HeapEvent> all = heap_.EventsSince(after);
    if (!all.empty() && all.front().sequence != after + 1) {
      throw std::runtime_error("the heap's event ring dropped events");
    }
    std::vector<objects::HeapEvent> result;
    for (const objects::HeapEvent& e : all) {
      if (e.kind == kind) result.push_back(e);
    }
    return result;
  }
  int64_t CountEvents(objects::HeapEvent::Kind kind, uint64_t after = 0) {
    return static_cast<int64_t>(Events(kind, after).size());
  }
  // gc.callbacks' "stop" calls since `after`: one per collection.
  std::vector<objects::CollectResult> Collections(uint64_t after) {
    std::vector<objects::CollectResult> result;
    for (const objects::HeapEvent& e :
         Events(objects::HeapEvent::Kind::kCollection, after)) {
      result.push_back(e.collection);
    }
    return result;
  }

  // Whether gc.garbage holds `h`: the refcount exceeds links + the
  // program's references by exactly the list's one (Verify()'s invariant).
  bool InGarbageList(objects::Handle h) {
    if (!heap_.IsAlive(h)) return false;
    const objects::ObjectInfo info = Info(h);
    int64_t links = 0;
    for (objects::Handle referrer : info.referrers) {
      const objects::ObjectInfo r = Info(referrer);
      links += std::count(r.referents.begin(), r.referents.end(), h);
    }
    return info.refcount - info.owner_references - links == 1;
  }

 private:
  objects::ObjectHeap& heap_;
};

// ---------------------------------------------------------------------------
// The scenarios

TEST(HeapDifferentialTest, EveryProgramHasATest) {
  const std::string dir = ScenarioDirectory();
  ASSERT_FALSE(dir.empty()) << "TEST_SRCDIR is not set";
  std::set<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() == ".expected") {
      found.insert(
          file.substr(0, file.size() - std::string(".expected").size()));
    }
  }
  const std::set<std::string> known(AllScenarios().begin(),
                                    AllScenarios().end());
  EXPECT_EQ(found, known) << "every NN_name.expected needs a TEST here";
  for (const KnownDifference& d : kKnownDifferences) {
    EXPECT_TRUE(known.count(d.scenario) != 0) << d.scenario;
  }
}

// x = int("1234567890123")
// out("tracked", gc.is_tracked(x)); out("count0_delta", ...)
// out("refs", sys.getrefcount(x) - 1)
// y = x;   out("refs_after_alias", ...)
// del y;   out("refs_after_del_alias", ...)
// out("referents", len(gc.get_referents(x)))
// del x;   out("collected", gc.collect())
TEST(HeapDifferentialTest, S01IntegerAtomic) {
  Scenario s("01_integer_atomic");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const int64_t count_before = py.Count(0);
  const objects::Handle x = py.Int(1234567890123);
  const int64_t count_after = py.Count(0);
  s.Out("tracked", py.Tracked(x));
  s.Out("count0_delta", count_after - count_before);
  s.Out("refs", py.Refs(x));
  py.Alias(x);  // y = x
  s.Out("refs_after_alias", py.Refs(x));
  py.DelName(x);  // del y
  s.Out("refs_after_del_alias", py.Refs(x));
  s.Out("referents", py.Info(x).referents.size());
  py.DelName(x);
  s.Out("collected", py.Collect());
  s.Finish(heap);
}

// l = [1, 2, 3]
// out tracked, len, referents, refs
// outer = [l];  out("refs_after_outer", ...)
// c = C(); wc = weakref.ref(c); l.append(c); del c
// out("instance_refs", sys.getrefcount(wc()) - 1); out alive_c_after_del_name
// del outer;    out("refs_after_del_outer", ...)
// del l;        out alive_c_after_del_list; out("collected", gc.collect())
TEST(HeapDifferentialTest, S02SmallList) {
  Scenario s("02_small_list");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle l = py.List();
  for (int v : {1, 2, 3}) py.AppendNew(l, py.Int(v));
  s.Out("tracked", py.Tracked(l));
  s.Out("len", py.Len(l));
  s.Out("referents", py.Info(l).referents.size());
  s.Out("refs", py.Refs(l));
  const objects::Handle outer = py.List();
  py.Append(outer, l);
  s.Out("refs_after_outer", py.Refs(l));
  const objects::Handle c = py.Instance();
  const objects::WeakRefId wc = py.Ref(c);
  py.Append(l, c);
  py.DelName(c);
  s.Out("instance_refs", py.Refs(py.Deref(wc)));
  s.Out("alive_c_after_del_name", py.Alive(wc));
  py.DelName(outer);
  s.Out("refs_after_del_outer", py.Refs(l));
  py.DelName(l);
  s.Out("alive_c_after_del_list", py.Alive(wc));
  s.Out("collected", py.Collect());
  s.Finish(heap);
}

// l = []; l.append(l)
// out tracked, refs, self_referent (gc.get_referents(l)[0] is l)
// del l; out("collected", gc.collect()); out("collected_again", gc.collect())
TEST(HeapDifferentialTest, S03SelfReferencingList) {
  Scenario s("03_self_referencing_list");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle l = py.List();
  py.Append(l, l);
  s.Out("tracked", py.Tracked(l));
  s.Out("refs", py.Refs(l));
  const objects::ObjectInfo info = py.Info(l);
  s.Out("self_referent", !info.referents.empty() && info.referents[0] == l);
  py.DelName(l);
  s.Out("collected", py.Collect());
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// a = C(); b = C(); a.ref = b; b.ref = a; wa, wb = weakrefs
// out refs_a, refs_b
// del a; out alive_a_after_del_a, refs_a_after_del_a
// del b; out alive_a_before_collect, alive_b_before_collect
// out("collected", gc.collect()); out alive_a, alive_b, collected_again
TEST(HeapDifferentialTest, S04InstancePairCycle) {
  Scenario s("04_instance_pair_cycle");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::WeakRefId wa = py.Ref(a);
  const objects::WeakRefId wb = py.Ref(b);
  s.Out("refs_a", py.Refs(a));
  s.Out("refs_b", py.Refs(b));
  py.DelName(a);
  s.Out("alive_a_after_del_a", py.Alive(wa));
  s.Out("refs_a_after_del_a", py.Refs(py.Deref(wa)));
  py.DelName(b);
  s.Out("alive_a_before_collect", py.Alive(wa));
  s.Out("alive_b_before_collect", py.Alive(wb));
  s.Out("collected", py.Collect());
  s.Out("alive_a", py.Alive(wa));
  s.Out("alive_b", py.Alive(wb));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// d = {}; d["self"] = d; out dict_tracked, dict_refs; del d
// out("collected_self_dict", gc.collect())
// t = {}; c = C(); t["obj"] = c; c.table = t; wc = weakref.ref(c); del t, c
// out alive_c_before_collect, collected_dict_instance, alive_c
// d = {}; x = C(); y = C(); d["x"] = x; d["y"] = y; x.table = d; y.table = d
// wx = weakref.ref(x); out dict_refs_shared; del d, x, y
// out collected_shared_dict, alive_x, collected_again
TEST(HeapDifferentialTest, S05DictCycle) {
  Scenario s("05_dict_cycle");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  // part 1
  objects::Handle d = py.Dict();
  py.SetAttr(d, "self", d);
  s.Out("dict_tracked", py.Tracked(d));
  s.Out("dict_refs", py.Refs(d));
  py.DelName(d);
  s.Out("collected_self_dict", py.Collect());
  // part 2
  const objects::Handle t = py.Dict();
  const objects::Handle c = py.Instance();
  py.SetAttr(t, "obj", c);
  py.SetAttr(c, "table", t);
  const objects::WeakRefId wc = py.Ref(c);
  py.DelName(t);
  py.DelName(c);
  s.Out("alive_c_before_collect", py.Alive(wc));
  s.Out("collected_dict_instance", py.Collect());
  s.Out("alive_c", py.Alive(wc));
  // part 3
  d = py.Dict();
  const objects::Handle x = py.Instance();
  const objects::Handle y = py.Instance();
  py.SetAttr(d, "x", x);
  py.SetAttr(d, "y", y);
  py.SetAttr(x, "table", d);
  py.SetAttr(y, "table", d);
  const objects::WeakRefId wx = py.Ref(x);
  s.Out("dict_refs_shared", py.Refs(d));
  py.DelName(d);
  py.DelName(x);
  py.DelName(y);
  s.Out("collected_shared_dict", py.Collect());
  s.Out("alive_x", py.Alive(wx));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// l = []; t = (l,); l.append(t); out tuple_tracked, list_refs, tuple_refs
// del l; del t; out("collected", gc.collect())
// l2 = []; inst = C(); winst = weakref.ref(inst); t2 = (l2, inst, "leaf")
// l2.append(t2); del inst, l2, t2
// out alive_inst_before_collect, collected_with_leaf_and_instance, alive_inst
TEST(HeapDifferentialTest, S06TupleListCycle) {
  Scenario s("06_tuple_list_cycle");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle l = py.List();
  const objects::Handle t = py.Tuple(1);
  py.SetAttr(t, "0", l);
  py.Append(l, t);
  s.Out("tuple_tracked", py.Tracked(t));
  s.Out("list_refs", py.Refs(l));
  s.Out("tuple_refs", py.Refs(t));
  py.DelName(l);
  py.DelName(t);
  s.Out("collected", py.Collect());

  const objects::Handle l2 = py.List();
  const objects::Handle inst = py.Instance();
  const objects::WeakRefId winst = py.Ref(inst);
  const objects::Handle t2 = py.Tuple(3);
  py.SetAttr(t2, "0", l2);
  py.SetAttr(t2, "1", inst);
  // "leaf" is a code constant in CPython (the code object also owns it);
  // here the tuple is its only owner. Atomic: never counted either way.
  py.SetAttrNew(t2, "2", py.Str("leaf"));
  py.Append(l2, t2);
  py.DelName(inst);
  py.DelName(l2);
  py.DelName(t2);
  s.Out("alive_inst_before_collect", py.Alive(winst));
  s.Out("collected_with_leaf_and_instance", py.Collect());
  s.Out("alive_inst", py.Alive(winst));
  s.Finish(heap);
}

// a = C(); b = C(); c = C(); a.next = b; b.next = c; c.next = a
// wa = weakref.ref(a); out refs_a; del a; del b
// out collected_while_c_named, alive_a_while_c_named
// del c; out collected, alive_a, collected_again
TEST(HeapDifferentialTest, S07ThreeObjectRing) {
  Scenario s("07_three_object_ring");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  const objects::Handle c = py.Instance();
  py.SetAttr(a, "next", b);
  py.SetAttr(b, "next", c);
  py.SetAttr(c, "next", a);
  const objects::WeakRefId wa = py.Ref(a);
  s.Out("refs_a", py.Refs(a));
  py.DelName(a);
  py.DelName(b);
  s.Out("collected_while_c_named", py.Collect());
  s.Out("alive_a_while_c_named", py.Alive(wa));
  py.DelName(c);
  s.Out("collected", py.Collect());
  s.Out("alive_a", py.Alive(wa));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// a = C(); b = C(); a.ref = b; b.ref = a; keep = [a]; wa, wb; del a; del b
// out collected_gen0 (collect(0)), collected_gen1, collected_gen2
// out alive_a, alive_b, refs_a (sys.getrefcount(wa()) - 1)
// keep.remove(wa()); out keep_len, alive_a_before_collect
// out collected_after_release, alive_a_after_release, alive_b_after_release
TEST(HeapDifferentialTest, S08CycleKeptAliveByExternalRef) {
  Scenario s("08_cycle_kept_alive_by_external_ref");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::Handle keep = py.List();
  py.Append(keep, a);
  const objects::WeakRefId wa = py.Ref(a);
  const objects::WeakRefId wb = py.Ref(b);
  py.DelName(a);
  py.DelName(b);
  s.Out("collected_gen0", py.Collect(0));
  s.Out("collected_gen1", py.Collect(1));
  s.Out("collected_gen2", py.Collect(2));
  s.Out("alive_a", py.Alive(wa));
  s.Out("alive_b", py.Alive(wb));
  s.Out("refs_a", py.Refs(py.Deref(wa)));
  py.Remove(keep, py.Deref(wa));
  s.Out("keep_len", py.Len(keep));
  s.Out("alive_a_before_collect", py.Alive(wa));
  s.Out("collected_after_release", py.Collect());
  s.Out("alive_a_after_release", py.Alive(wa));
  s.Out("alive_b_after_release", py.Alive(wb));
  s.Finish(heap);
}

// class F: def __del__(self): finalized.append(self.tag);
//                              saw_partner.append(self.partner is not None)
// a = F(); b = F(); a.tag = 1; b.tag = 2; a.partner = b; b.partner = a
// wa = weakref.ref(a); del a; del b
// out finalizer_calls_before_collect, collected, finalizer_calls,
//     finalized_tag_sum, finalizers_saw_partner, alive_a, garbage,
//     collected_again, finalizer_calls_after_second_collect
// x = F(); x.tag = 3; x.partner = None; del x
// out finalizer_calls_refcount_path, collected_after_refcount_path
TEST(HeapDifferentialTest, S09FinalizerCyclePep442) {
  Scenario s("09_finalizer_cycle_pep442");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  std::map<objects::Handle, int64_t>
      tag;  // self.tag, to sum over the finalizers run
  const objects::Handle a = py.Instance(Py::Del());
  const objects::Handle b = py.Instance(Py::Del());
  py.SetAttrNew(a, "tag", py.Int(1));
  py.SetAttrNew(b, "tag", py.Int(2));
  tag[a] = 1;
  tag[b] = 2;
  py.SetAttr(a, "partner", b);
  py.SetAttr(b, "partner", a);
  const objects::WeakRefId wa = py.Ref(a);
  py.DelName(a);
  py.DelName(b);
  auto finalizer_calls = [&] {
    return py.CountEvents(objects::HeapEvent::Kind::kFinalizer);
  };
  s.Out("finalizer_calls_before_collect", finalizer_calls());
  s.Out("collected", py.Collect());
  s.Out("finalizer_calls", finalizer_calls());
  int64_t tag_sum = 0;
  for (const objects::HeapEvent& e :
       py.Events(objects::HeapEvent::Kind::kFinalizer)) {
    tag_sum += tag[e.object];
  }
  s.Out("finalized_tag_sum", tag_sum);
  s.NotModelled("finalizers_saw_partner",
                "a heapd finalizer runs no code: nothing can look at "
                "self.partner while it runs (the collector does run "
                "finalize_garbage before clearing any link, as CPython)");
  s.Out("alive_a", py.Alive(wa));
  s.Out("garbage", heap.garbage_size());
  s.Out("collected_again", py.Collect());
  s.Out("finalizer_calls_after_second_collect", finalizer_calls());

  const objects::Handle x = py.Instance(Py::Del());
  py.SetAttrNew(x, "tag", py.Int(3));
  tag[x] = 3;
  // x.partner = None: None is immortal and has no heap object; no link.
  py.DelName(x);
  s.Out("finalizer_calls_refcount_path", finalizer_calls());
  s.Out("collected_after_refcount_path", py.Collect());
  s.Finish(heap);
}

// saved = []
// class L: def __del__(self): calls.append(1); saved.append(self)
// z = L(); z.me = z; wz = weakref.ref(z); del z
// out collected_first, finalizer_calls, saved_len,
//     resurrected_alive (saved[0].me is saved[0]), weakref_cleared,
//     is_finalized, resurrected_refs (getrefcount(saved[0]) - 1), garbage
// saved.clear()
// out collected_second, finalizer_calls_after_second, saved_len_after_second,
//     collected_third
TEST(HeapDifferentialTest, S10FinalizerResurrectsGlobal) {
  Scenario s("10_finalizer_resurrects_global");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  // saved.append(self) in __del__: the program (kProgram) takes a reference,
  // which is the global list's. All of kProgram's references to z after
  // `del z` are the list's entries.
  const objects::Handle z = py.Instance(Py::DelAppendsSelfToGlobalList());
  py.SetAttr(z, "me", z);
  const objects::WeakRefId wz = py.Ref(z);
  py.DelName(z);
  auto calls = [&] {
    return py.CountEvents(objects::HeapEvent::Kind::kFinalizer);
  };
  auto saved_len = [&] { return heap.OwnerReferences(kProgram, z); };
  s.Out("collected_first", py.Collect());
  s.Out("finalizer_calls", calls());
  s.Out("saved_len", saved_len());
  s.Out("resurrected_alive", heap.IsAlive(z) && py.Attr(z, "me") == z);
  s.Out("weakref_cleared", !py.Alive(wz));
  s.Out("is_finalized", py.Info(z).finalized);
  s.Out("resurrected_refs", py.Refs(z));
  s.Out("garbage", heap.garbage_size());
  py.DelName(z);  // saved.clear()
  s.Out("collected_second", py.Collect());
  s.Out("finalizer_calls_after_second", calls());
  s.Out("saved_len_after_second", saved_len());
  s.Out("collected_third", py.Collect());
  s.Finish(heap);
}

// class R: def __del__(self): calls.append(1); holder.saved = self
// holder = C(); r = R(); p = C(); r.partner = p; p.partner = r
// g = C(); g.me = g; wr, wp, wg = weakrefs; del r; del p; del g
// out collected_first, finalizer_calls, alive_g, holder_has_saved,
//     resurrected_partner_alive (holder.saved.partner.partner is
//     holder.saved), weakref_r_cleared, weakref_p_cleared,
//     resurrected_refs (getrefcount(holder.saved) - 1)
// del holder.saved
// out collected_second, finalizer_calls_after_second,
//     holder_has_saved_after_second, collected_third
TEST(HeapDifferentialTest, S11FinalizerResurrectsIntoLiveAttr) {
  Scenario s("11_finalizer_resurrects_into_live_attr");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle holder = py.Instance();
  const objects::Handle r = py.Instance(Py::DelStoresSelfInto(holder, "saved"));
  const objects::Handle p = py.Instance();
  py.SetAttr(r, "partner", p);
  py.SetAttr(p, "partner", r);
  const objects::Handle g = py.Instance();
  py.SetAttr(g, "me", g);
  const objects::WeakRefId wr = py.Ref(r);
  const objects::WeakRefId wp = py.Ref(p);
  const objects::WeakRefId wg = py.Ref(g);
  py.DelName(r);
  py.DelName(p);
  py.DelName(g);
  auto calls = [&] {
    return py.CountEvents(objects::HeapEvent::Kind::kFinalizer);
  };
  s.Out("collected_first", py.Collect());
  s.Out("finalizer_calls", calls());
  s.Out("alive_g", py.Alive(wg));
  const objects::Handle saved = py.Attr(holder, "saved");
  s.Out("holder_has_saved", saved != 0);
  bool partner_alive = false;
  if (saved != 0) {
    const objects::Handle partner = py.Attr(saved, "partner");
    partner_alive = partner != 0 && py.Attr(partner, "partner") == saved;
  }
  s.Out("resurrected_partner_alive", partner_alive);
  s.Out("weakref_r_cleared", !py.Alive(wr));
  s.Out("weakref_p_cleared", !py.Alive(wp));
  s.Out("resurrected_refs", saved != 0 ? py.Refs(saved) : 0);
  py.DelAttr(holder, "saved");
  s.Out("collected_second", py.Collect());
  s.Out("finalizer_calls_after_second", calls());
  s.Out("holder_has_saved_after_second", py.Attr(holder, "saved") != 0);
  s.Out("collected_third", py.Collect());
  s.Finish(heap);
}

// def cb(wr): callback_saw_none.append(wr() is None)
// a = C(); b = C(); a.ref = b; b.ref = a; w = weakref.ref(a, cb)
// out weakref_count_a; del a; del b
// out alive_before_collect, callbacks_before_collect, collected, callbacks,
//     callback_saw_none, w_is_none, collected_again,
//     callbacks_after_second_collect
// x = C(); w2 = weakref.ref(x, cb); del x
// out callbacks_refcount_path, w2_is_none, collected_after_refcount_path
TEST(HeapDifferentialTest, S12WeakrefCallbackOnGarbage) {
  Scenario s("12_weakref_callback_on_garbage");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::WeakRefId w = py.Ref(a, /*callback=*/true);
  s.Out("weakref_count_a", py.Info(a).weakref_count);
  py.DelName(a);
  py.DelName(b);
  auto callbacks = [&] {
    return py.CountEvents(objects::HeapEvent::Kind::kWeakRefCallback);
  };
  s.Out("alive_before_collect", py.Alive(w));
  s.Out("callbacks_before_collect", callbacks());
  s.Out("collected", py.Collect());
  s.Out("callbacks", callbacks());
  s.NotModelled("callback_saw_none",
                "a heapd callback is a recorded event that runs no code: "
                "what wr() returned during the call cannot be observed "
                "(ClearWeakRefs does clear before recording, as "
                "handle_weakrefs clears before calling)");
  s.Out("w_is_none", !py.Alive(w));
  s.Out("collected_again", py.Collect());
  s.Out("callbacks_after_second_collect", callbacks());
  const objects::Handle x = py.Instance();
  const objects::WeakRefId w2 = py.Ref(x, /*callback=*/true);
  py.DelName(x);
  s.Out("callbacks_refcount_path", callbacks());
  s.Out("w2_is_none", !py.Alive(w2));
  s.Out("collected_after_refcount_path", py.Collect());
  s.Finish(heap);
}

// x = C(); y = C(); x.ref = y; y.ref = x; refs_before = getrefcount(x) - 1
// w = weakref.ref(x, cb)
// out refs_before_weakref, refs_after_weakref, weakref_tracked,
//     collected_gen0, collected_gen1, collected_gen2, w_is_x,
//     weakref_count, callbacks
TEST(HeapDifferentialTest, S13WeakrefToLiveObject) {
  Scenario s("13_weakref_to_live_object");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle x = py.Instance();
  const objects::Handle y = py.Instance();
  py.SetAttr(x, "ref", y);
  py.SetAttr(y, "ref", x);
  const int64_t refs_before = py.Refs(x);
  const objects::WeakRefId w = py.Ref(x, /*callback=*/true);
  s.Out("refs_before_weakref", refs_before);
  s.Out("refs_after_weakref", py.Refs(x));
  s.NotModelled("weakref_tracked", kWeakrefIsNotAnObject);
  s.Out("collected_gen0", py.Collect(0));
  s.Out("collected_gen1", py.Collect(1));
  s.Out("collected_gen2", py.Collect(2));
  s.Out("w_is_x", py.Deref(w) == x);
  s.Out("weakref_count", py.Info(x).weakref_count);
  s.Out("callbacks",
        py.CountEvents(objects::HeapEvent::Kind::kWeakRefCallback));
  s.Finish(heap);
}

// o = C(); o.me = o; o.w = weakref.ref(o, cb); del o
// out collected_weakref_in_garbage, callbacks_weakref_in_garbage
// q = C(); q.me = q; wq = weakref.ref(q, cb); del q
// out collected_weakref_outside, callbacks_weakref_outside (cumulative),
//     wq_is_none
TEST(HeapDifferentialTest, S14WeakrefInsideGarbageNoCallback) {
  Scenario s("14_weakref_inside_garbage_no_callback");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  // Part 1 needs a weakref object stored in a field (o.w), which heapd
  // cannot express: only the o.me cycle is replayed, and its keys are not
  // compared.
  const objects::Handle o = py.Instance();
  py.SetAttr(o, "me", o);
  py.DelName(o);
  const int64_t part1_collected = py.Collect();
  const int64_t part1_callbacks =
      py.CountEvents(objects::HeapEvent::Kind::kWeakRefCallback);
  s.NotModelled(
      "collected_weakref_in_garbage",
      absl::StrCat(kWeakrefIsNotAnObject,
                   "; the garbage is o and the weakref object o.w (2); the "
                   "replay has only o"),
      absl::StrCat(part1_collected, " without the weakref object"));
  s.NotModelled(
      "callbacks_weakref_in_garbage",
      absl::StrCat(kWeakrefIsNotAnObject,
                   "; CPython skips the callback because the weakref is "
                   "itself trash (handle_weakrefs, gc_is_collecting(wr)); "
                   "a heapd weakref is always outside the garbage"),
      absl::StrCat(part1_callbacks, " without the weakref object"));
  // Part 2. callbacks_weakref_outside is cumulative in the program; part 1
  // (replayed without its weakref) records no callback here, so the count
  // is part 2's alone plus part 1's CPython 0 (the key above).
  const objects::Handle q = py.Instance();
  py.SetAttr(q, "me", q);
  const objects::WeakRefId wq = py.Ref(q, /*callback=*/true);
  py.DelName(q);
  s.Out("collected_weakref_outside", py.Collect());
  s.Out("callbacks_weakref_outside",
        py.CountEvents(objects::HeapEvent::Kind::kWeakRefCallback));
  s.Out("wq_is_none", !py.Alive(wq));
  s.Finish(heap);
}

// N = 10000; head = C(); node = head
// for i in range(N - 1): n = C(); node.next = n; node = n
// node.next = None; wtail = weakref.ref(node); wmid =
// weakref.ref(head.next.next) del node; del n; (walk: length) out chain_length,
// collected_while_rooted, alive_tail_while_rooted,
//     refs_tail (getrefcount(wtail()) - 1)
// del head; out alive_tail_after_del_head, alive_mid_after_del_head, collected
TEST(HeapDifferentialTest, S15LongChain10000) {
  Scenario s("15_long_chain_10000");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  constexpr int kN = 10000;
  const objects::Handle head = py.Instance();
  objects::Handle node = head;
  py.Alias(node);  // node = head
  for (int i = 0; i < kN - 1; ++i) {
    const objects::Handle n = py.Instance();  // n = C()
    py.SetAttr(node, "next", n);
    py.Alias(n);  // node = n
    py.DelName(node);
    node = n;
    if (i < kN - 2) py.DelName(n);  // the next `n = C()` rebinds n
  }
  // node.next = None: no link. `n` and `node` both name the tail here.
  const objects::WeakRefId wtail = py.Ref(node);
  const objects::WeakRefId wmid =
      py.Ref(py.Attr(py.Attr(head, "next"), "next"));
  py.DelName(node);  // del node
  py.DelName(node);  // del n
  int64_t length = 0;
  for (objects::Handle cur = head; cur != 0; cur = py.Attr(cur, "next"))
    ++length;
  s.Out("chain_length", length);
  s.Out("collected_while_rooted", py.Collect());
  s.Out("alive_tail_while_rooted", py.Alive(wtail));
  s.Out("refs_tail", py.Refs(py.Deref(wtail)));
  py.DelName(head);
  s.Out("alive_tail_after_del_head", py.Alive(wtail));
  s.Out("alive_mid_after_del_head", py.Alive(wmid));
  s.Out("collected", py.Collect());
  s.Finish(heap);
}

// N = 10000; head = C(); node = head
// for i in range(N - 1): n = C(); node.next = n; node = n
// node.next = head; wtail = weakref.ref(node); whead = weakref.ref(head)
// del node; del n; (walk: length)
// out ring_length, collected_while_rooted, refs_head
// del head; out alive_head_after_del, alive_tail_after_del, collected,
//     alive_head, alive_tail, collected_again
TEST(HeapDifferentialTest, S16LongCycle10000) {
  Scenario s("16_long_cycle_10000");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  constexpr int kN = 10000;
  const objects::Handle head = py.Instance();
  objects::Handle node = head;
  py.Alias(node);
  for (int i = 0; i < kN - 1; ++i) {
    const objects::Handle n = py.Instance();
    py.SetAttr(node, "next", n);
    py.Alias(n);
    py.DelName(node);
    node = n;
    if (i < kN - 2) py.DelName(n);
  }
  py.SetAttr(node, "next", head);
  const objects::WeakRefId wtail = py.Ref(node);
  const objects::WeakRefId whead = py.Ref(head);
  py.DelName(node);  // del node
  py.DelName(node);  // del n
  int64_t length = 1;
  for (objects::Handle cur = py.Attr(head, "next"); cur != head && cur != 0;
       cur = py.Attr(cur, "next")) {
    ++length;
  }
  s.Out("ring_length", length);
  s.Out("collected_while_rooted", py.Collect());
  s.Out("refs_head", py.Refs(head));
  py.DelName(head);
  s.Out("alive_head_after_del", py.Alive(whead));
  s.Out("alive_tail_after_del", py.Alive(wtail));
  s.Out("collected", py.Collect());
  s.Out("alive_head", py.Alive(whead));
  s.Out("alive_tail", py.Alive(wtail));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// gc.freeze(); frozen_baseline = gc.get_freeze_count()
// a = C(); b = C(); a.ref = b; b.ref = a; gc.freeze()
// count0_after_freeze = gc.get_count()[0]; frozen_with_cycle = ...
// wa, wb = weakrefs; out freeze_count_delta, count0_after_freeze
// del a; del b; out collected_while_frozen, alive_a_while_frozen,
//     alive_b_while_frozen
// gc.unfreeze(); out freeze_count_after_unfreeze, collected_after_unfreeze,
//     alive_a, alive_b, collected_again
TEST(HeapDifferentialTest, S17FreezeUnfreeze) {
  Scenario s("17_freeze_unfreeze");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  heap.Freeze();
  const int64_t frozen_baseline = heap.Stats().permanent;
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  heap.Freeze();
  const int64_t count0_after_freeze = py.Count(0);
  const int64_t frozen_with_cycle = heap.Stats().permanent;
  const objects::WeakRefId wa = py.Ref(a);
  const objects::WeakRefId wb = py.Ref(b);
  s.Out("freeze_count_delta", frozen_with_cycle - frozen_baseline);
  s.Out("count0_after_freeze", count0_after_freeze);
  py.DelName(a);
  py.DelName(b);
  s.Out("collected_while_frozen", py.Collect());
  s.Out("alive_a_while_frozen", py.Alive(wa));
  s.Out("alive_b_while_frozen", py.Alive(wb));
  heap.Unfreeze();
  s.Out("freeze_count_after_unfreeze", heap.Stats().permanent);
  s.Out("collected_after_unfreeze", py.Collect());
  s.Out("alive_a", py.Alive(wa));
  s.Out("alive_b", py.Alive(wb));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// gc.set_threshold(700, 10, 10); keep = []; gc.collect()
// gc.callbacks.append(cb); gc.enable()
// for i in range(700): keep.append([])      -> n_after_700
// keep.append([])                            -> n_after_701
// for i in range(700): keep.append([])      -> n_after_1401
// keep.append([])                            -> n_after_1402
// gc.disable()
// out collections_after_700/701/1401/1402, first_collection_generation,
//     second_collection_generation, lists_alive (len(keep))
TEST(HeapDifferentialTest, S18Threshold701Allocations) {
  Scenario s("18_threshold_701_allocations");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  py.SetThreshold(700, 10, 10);
  const objects::Handle keep = py.List();
  py.Collect();
  const uint64_t registered = py.Mark();  // gc.callbacks.append(cb)
  py.Enable(true);
  auto append_lists = [&](int n) {
    for (int i = 0; i < n; ++i) {
      py.AppendNew(keep, py.List());
      py.SafePoint();  // the loop's back-edge
    }
  };
  auto collections = [&] {
    return static_cast<int64_t>(py.Collections(registered).size());
  };
  append_lists(700);
  const int64_t n_after_700 = collections();
  append_lists(1);
  const int64_t n_after_701 = collections();
  append_lists(700);
  const int64_t n_after_1401 = collections();
  append_lists(1);
  const int64_t n_after_1402 = collections();
  py.Enable(false);
  const std::vector<objects::CollectResult> gens = py.Collections(registered);
  for (const objects::CollectResult& c : gens) EXPECT_TRUE(c.automatic);
  s.Out("collections_after_700", n_after_700);
  s.Out("collections_after_701", n_after_701);
  s.Out("collections_after_1401", n_after_1401);
  s.Out("collections_after_1402", n_after_1402);
  ASSERT_GE(gens.size(), 2u);
  s.Out("first_collection_generation", gens[0].generation);
  s.Out("second_collection_generation", gens[1].generation);
  s.Out("lists_alive", py.Len(keep));
  s.Finish(heap);
}

// gc.set_threshold(700, 10, 10); keep = []; gc.collect()
// gc.callbacks.append(cb); gc.enable()
// for i in range(12 * 701): keep.append([])
// gc.disable(); count0, count1, count2 = gc.get_count()
// out collections, collections_gen0/1/2, first_gen1_collection_index,
//     count0, count1, count2
TEST(HeapDifferentialTest, S19ThresholdGen1Collection) {
  Scenario s("19_threshold_gen1_collection");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  py.SetThreshold(700, 10, 10);
  const objects::Handle keep = py.List();
  py.Collect();
  const uint64_t registered = py.Mark();
  py.Enable(true);
  for (int i = 0; i < 12 * 701; ++i) {
    py.AppendNew(keep, py.List());
    py.SafePoint();
  }
  py.Enable(false);
  const int64_t count0 = py.Count(0);
  const int64_t count1 = py.Count(1);
  const int64_t count2 = py.Count(2);
  const std::vector<objects::CollectResult> gens = py.Collections(registered);
  int64_t by_gen[3] = {0, 0, 0};
  int64_t first_gen1 = 0;
  for (size_t i = 0; i < gens.size(); ++i) {
    EXPECT_TRUE(gens[i].automatic);
    ++by_gen[gens[i].generation];
    if (gens[i].generation == 1 && first_gen1 == 0) first_gen1 = i + 1;
  }
  s.Out("collections", gens.size());
  s.Out("collections_gen0", by_gen[0]);
  s.Out("collections_gen1", by_gen[1]);
  s.Out("collections_gen2", by_gen[2]);
  s.Out("first_gen1_collection_index", first_gen1);
  s.Out("count0", count0);
  s.Out("count1", count1);
  s.Out("count2", count2);
  s.Finish(heap);
}

// holder = []; atom = []; gc.collect(); base = gc.get_count()[0]
// for i in range(100): holder.append(C())      -> d_instances
// for i in range(50): atom.append(i * 0.5)     -> d_floats
// del holder[:40]                              -> d_freed
// gc.collect(0); after0 = gc.get_count(); gc.collect(1); after1 = ...
// gc.collect(2); after2 = ...
// out count0_delta_after_100_instances, _after_50_floats, _after_freeing_40,
//     after_collect{0,1,2}_count{0,1,2}
TEST(HeapDifferentialTest, S20GetCountReadings) {
  Scenario s("20_get_count_readings");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle holder = py.List();
  const objects::Handle atom = py.List();
  py.Collect();
  const int64_t base = py.Count(0);
  std::vector<objects::Handle> instances;
  for (int i = 0; i < 100; ++i) {
    instances.push_back(py.Instance());
    py.AppendNew(holder, instances.back());
  }
  const int64_t d_instances = py.Count(0) - base;
  for (int i = 0; i < 50; ++i) py.AppendNew(atom, py.Float());
  const int64_t d_floats = py.Count(0) - base;
  for (int i = 0; i < 40; ++i) py.Remove(holder, instances[i]);
  const int64_t d_freed = py.Count(0) - base;
  std::array<std::array<int64_t, 3>, 3> after{};
  for (int g = 0; g < 3; ++g) {
    py.Collect(g);
    for (int i = 0; i < 3; ++i) after[g][i] = py.Count(i);
  }
  s.Out("count0_delta_after_100_instances", d_instances);
  s.Out("count0_delta_after_50_floats", d_floats);
  s.Out("count0_delta_after_freeing_40", d_freed);
  for (int g = 0; g < 3; ++g) {
    for (int i = 0; i < 3; ++i) {
      s.Out(absl::StrCat("after_collect", g, "_count", i), after[g][i]);
    }
  }
  s.Finish(heap);
}

// part 1: a = C(); b = C(); a.ref = b; b.ref = a; wa
//   out p1_collect0_rooted; del a; del b; out p1_collect0_after_del,
//   p1_alive_after_collect0, p1_collect1_after_del, p1_alive_after_collect1
// part 2: c = C(); d = C(); c.ref = d; d.ref = c; wc
//   out p2_collect0_rooted, p2_collect1_rooted; del c; del d
//   out p2_collect0_after_del, p2_collect1_after_del, p2_alive_after_collect1,
//   p2_collect2_after_del, p2_alive_after_collect2
// part 3: old = C(); out p3_collect0_promote_old
//   child = C(); child.me = child; old.child = child; wchild; del child
//   out p3_collect0_child_rooted_by_old, p3_child_alive
//   del old.child; out p3_collect0_after_unlink, p3_collect1_after_unlink,
//   p3_child_alive_after_collect1
TEST(HeapDifferentialTest, S21Gen0LeavesOlderCycles) {
  Scenario s("21_gen0_leaves_older_cycles");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  // part 1
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::WeakRefId wa = py.Ref(a);
  s.Out("p1_collect0_rooted", py.Collect(0));
  py.DelName(a);
  py.DelName(b);
  s.Out("p1_collect0_after_del", py.Collect(0));
  s.Out("p1_alive_after_collect0", py.Alive(wa));
  s.Out("p1_collect1_after_del", py.Collect(1));
  s.Out("p1_alive_after_collect1", py.Alive(wa));
  // part 2
  const objects::Handle c = py.Instance();
  const objects::Handle d = py.Instance();
  py.SetAttr(c, "ref", d);
  py.SetAttr(d, "ref", c);
  const objects::WeakRefId wc = py.Ref(c);
  s.Out("p2_collect0_rooted", py.Collect(0));
  s.Out("p2_collect1_rooted", py.Collect(1));
  py.DelName(c);
  py.DelName(d);
  s.Out("p2_collect0_after_del", py.Collect(0));
  s.Out("p2_collect1_after_del", py.Collect(1));
  s.Out("p2_alive_after_collect1", py.Alive(wc));
  s.Out("p2_collect2_after_del", py.Collect(2));
  s.Out("p2_alive_after_collect2", py.Alive(wc));
  // part 3
  const objects::Handle old = py.Instance();
  s.Out("p3_collect0_promote_old", py.Collect(0));
  const objects::Handle child = py.Instance();
  py.SetAttr(child, "me", child);
  py.SetAttr(old, "child", child);
  const objects::WeakRefId wchild = py.Ref(child);
  py.DelName(child);
  s.Out("p3_collect0_child_rooted_by_old", py.Collect(0));
  s.Out("p3_child_alive", py.Alive(wchild));
  py.DelAttr(old, "child");
  s.Out("p3_collect0_after_unlink", py.Collect(0));
  s.Out("p3_collect1_after_unlink", py.Collect(1));
  s.Out("p3_child_alive_after_collect1", py.Alive(wchild));
  s.Finish(heap);
}

// gc.set_debug(gc.DEBUG_SAVEALL)
// a = C(); b = C(); a.ref = b; b.ref = a; l = []; l.append(l); wa
// del a; del b; del l
// out collected, garbage, garbage_instances, garbage_lists,
//     saved_cycle_intact, saved_list_intact, weakref_cleared_although_saved
// w_saved = weakref.ref(saved_instances[0])
// out refs_saved_instance (partner's field + gc.garbage)
// out collected_again_while_saved, garbage_after_second_collect
// gc.set_debug(0); gc.garbage.clear()
// out alive_after_clear, collected_after_clear, garbage_after_clear,
//     alive_final
TEST(HeapDifferentialTest, S22DebugSaveall) {
  Scenario s("22_debug_saveall");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  py.SetDebug(objects::kDebugSaveAll);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::Handle l = py.List();
  py.Append(l, l);
  const objects::WeakRefId wa = py.Ref(a);
  py.DelName(a);
  py.DelName(b);
  py.DelName(l);
  s.Out("collected", py.Collect());
  s.Out("garbage", heap.garbage_size());
  // [o for o in gc.garbage if type(o) is C] / ... is list
  int64_t garbage_instances = 0;
  int64_t garbage_lists = 0;
  for (objects::Handle h : {a, b, l}) {
    if (!py.InGarbageList(h)) continue;
    const objects::ObjectType type = py.Info(h).type;
    if (type == objects::ObjectType::kObject) ++garbage_instances;
    if (type == objects::ObjectType::kList) ++garbage_lists;
  }
  s.Out("garbage_instances", garbage_instances);
  s.Out("garbage_lists", garbage_lists);
  s.Out("saved_cycle_intact",
        heap.IsAlive(a) && py.Attr(py.Attr(a, "ref"), "ref") == a);
  bool list_intact = false;
  if (heap.IsAlive(l)) {
    const objects::ObjectInfo info = py.Info(l);
    list_intact = !info.items.empty() && info.items[0] == l;
  }
  s.Out("saved_list_intact", list_intact);
  s.Out("weakref_cleared_although_saved", !py.Alive(wa));
  const objects::WeakRefId w_saved = py.Ref(a);  // saved_instances[0]
  s.Out("refs_saved_instance", py.Refs(a));
  s.Out("collected_again_while_saved", py.Collect());
  s.Out("garbage_after_second_collect", heap.garbage_size());
  py.SetDebug(0);
  heap.ClearGarbage();
  s.Out("alive_after_clear", py.Alive(w_saved));
  s.Out("collected_after_clear", py.Collect());
  s.Out("garbage_after_clear", heap.garbage_size());
  s.Out("alive_final", py.Alive(w_saved));
  s.Finish(heap);
}

// gc.set_threshold(700, 10, 10); keep = []; gc.collect()
// gc.callbacks.append(cb)
// for i in range(1000): keep.append([])        (still disabled)
// n_disabled; count0_disabled = gc.get_count()[0]
// gc.enable(); keep.append([]); n_after_enable; gen_after_enable
// gc.set_threshold(0); for i in range(2000): keep.append([])
// n_threshold_zero; gc.disable(); gc.set_threshold(700, 10, 10)
// out isenabled_now, collections_while_disabled, count0_while_disabled,
//     collections_after_enable_and_1_alloc, generation_after_enable,
//     collections_with_threshold_zero
// l = []; l.append(l); del l; out explicit_collect_while_disabled
TEST(HeapDifferentialTest, S23DisablePreventsAutomatic) {
  Scenario s("23_disable_prevents_automatic");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  py.SetThreshold(700, 10, 10);
  const objects::Handle keep = py.List();
  py.Collect();
  const uint64_t registered = py.Mark();
  auto append_lists = [&](int n) {
    for (int i = 0; i < n; ++i) {
      py.AppendNew(keep, py.List());
      py.SafePoint();
    }
  };
  auto collections = [&] {
    return static_cast<int64_t>(py.Collections(registered).size());
  };
  append_lists(1000);
  const int64_t n_disabled = collections();
  const int64_t count0_disabled = py.Count(0);
  py.Enable(true);
  append_lists(1);
  const int64_t n_after_enable = collections();
  const std::vector<objects::CollectResult> gens = py.Collections(registered);
  const int64_t gen_after_enable = gens.empty() ? -1 : gens[0].generation;
  py.SetThreshold0(0);
  append_lists(2000);
  const int64_t n_threshold_zero = collections();
  py.Enable(false);
  py.SetThreshold(700, 10, 10);
  s.Out("isenabled_now", heap.gc_config().enabled);
  s.Out("collections_while_disabled", n_disabled);
  s.Out("count0_while_disabled", count0_disabled);
  s.Out("collections_after_enable_and_1_alloc", n_after_enable);
  s.Out("generation_after_enable", gen_after_enable);
  s.Out("collections_with_threshold_zero", n_threshold_zero);
  const objects::Handle l = py.List();
  py.Append(l, l);
  py.DelName(l);
  s.Out("explicit_collect_while_disabled", py.Collect());
  s.Finish(heap);
}

// part 1: a = C(); b = C(); a.ref = b; b.ref = a; wa; wb; del a.ref
//   out p1_refs_b_after_unlink; del a; out p1_alive_a_after_del_a; del b
//   out p1_alive_a, p1_alive_b, p1_collected
// part 2: l1 = []; l2 = []; m = C(); wm; l2.append(m); del m
//   l1.append(l2); l2.append(l1); l1.remove(l2)
//   out p2_len_l1, p2_refs_l1; del l1; del l2; out p2_alive_marker,
//   p2_collected
// part 3: d = {}; x = C(); wx; d["x"] = x; x.table = d; del d["x"]; del d
//   out p3_alive_x_after_del_d; del x; out p3_alive_x, p3_collected
TEST(HeapDifferentialTest, S24UnlinkBreaksCycle) {
  Scenario s("24_unlink_breaks_cycle");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  // part 1
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::WeakRefId wa = py.Ref(a);
  const objects::WeakRefId wb = py.Ref(b);
  py.DelAttr(a, "ref");
  s.Out("p1_refs_b_after_unlink", py.Refs(b));
  py.DelName(a);
  s.Out("p1_alive_a_after_del_a", py.Alive(wa));
  py.DelName(b);
  s.Out("p1_alive_a", py.Alive(wa));
  s.Out("p1_alive_b", py.Alive(wb));
  s.Out("p1_collected", py.Collect());
  // part 2
  const objects::Handle l1 = py.List();
  const objects::Handle l2 = py.List();
  const objects::Handle m = py.Instance();
  const objects::WeakRefId wm = py.Ref(m);
  py.Append(l2, m);
  py.DelName(m);
  py.Append(l1, l2);
  py.Append(l2, l1);
  py.Remove(l1, l2);
  s.Out("p2_len_l1", py.Len(l1));
  s.Out("p2_refs_l1", py.Refs(l1));
  py.DelName(l1);
  py.DelName(l2);
  s.Out("p2_alive_marker", py.Alive(wm));
  s.Out("p2_collected", py.Collect());
  // part 3
  const objects::Handle d = py.Dict();
  const objects::Handle x = py.Instance();
  const objects::WeakRefId wx = py.Ref(x);
  py.SetAttr(d, "x", x);
  py.SetAttr(x, "table", d);
  py.DelAttr(d, "x");
  py.DelName(d);
  s.Out("p3_alive_x_after_del_d", py.Alive(wx));
  py.DelName(x);
  s.Out("p3_alive_x", py.Alive(wx));
  s.Out("p3_collected", py.Collect());
  s.Finish(heap);
}

// s = set(); x = C(); y = C(); s.add(x); s.add(y); x.owner = s; wy
// out set_tracked, set_refs; del s; del x; del y
// out alive_y_before_collect, collected, alive_y
// s = set(); x = C(); y = C(); s.add(x); s.add(y); x.owner = s; wx
// s.discard(x); del s; del x; del y; out p2_alive_x, p2_collected
TEST(HeapDifferentialTest, S25SetCycle) {
  Scenario s("25_set_cycle");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  objects::Handle set = py.Set();
  objects::Handle x = py.Instance();
  objects::Handle y = py.Instance();
  py.Append(set, x);
  py.Append(set, y);
  py.SetAttr(x, "owner", set);
  const objects::WeakRefId wy = py.Ref(y);
  s.Out("set_tracked", py.Tracked(set));
  s.Out("set_refs", py.Refs(set));
  py.DelName(set);
  py.DelName(x);
  py.DelName(y);
  s.Out("alive_y_before_collect", py.Alive(wy));
  s.Out("collected", py.Collect());
  s.Out("alive_y", py.Alive(wy));

  set = py.Set();
  x = py.Instance();
  y = py.Instance();
  py.Append(set, x);
  py.Append(set, y);
  py.SetAttr(x, "owner", set);
  const objects::WeakRefId wx = py.Ref(x);
  py.Remove(set, x);  // s.discard(x)
  py.DelName(set);
  py.DelName(x);
  py.DelName(y);
  s.Out("p2_alive_x", py.Alive(wx));
  s.Out("p2_collected", py.Collect());
  s.Finish(heap);
}

// a = C(); b = C(); a.ref = b; b.ref = a; t1 = C(); t2 = C(); t3 = C()
// b.tail = t1; t1.next = t2; t2.next = t3; lst = [t1, "leaf"]; a.items = lst
// keep = C(); t3.shared = keep; wt3; out refs_keep_before
// del a; del b; del t1; del t2; del t3; del lst
// out alive_t3_before_collect, collected, alive_t3, refs_keep_after,
//     collected_again
TEST(HeapDifferentialTest, S26CycleWithAcyclicTail) {
  Scenario s("26_cycle_with_acyclic_tail");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  const objects::Handle t1 = py.Instance();
  const objects::Handle t2 = py.Instance();
  const objects::Handle t3 = py.Instance();
  py.SetAttr(b, "tail", t1);
  py.SetAttr(t1, "next", t2);
  py.SetAttr(t2, "next", t3);
  const objects::Handle lst = py.List();
  py.Append(lst, t1);
  py.AppendNew(lst, py.Str("leaf"));  // a code constant in CPython
  py.SetAttr(a, "items", lst);
  const objects::Handle keep = py.Instance();
  py.SetAttr(t3, "shared", keep);
  const objects::WeakRefId wt3 = py.Ref(t3);
  s.Out("refs_keep_before", py.Refs(keep));
  for (objects::Handle h : {a, b, t1, t2, t3, lst}) py.DelName(h);
  s.Out("alive_t3_before_collect", py.Alive(wt3));
  s.Out("collected", py.Collect());
  s.Out("alive_t3", py.Alive(wt3));
  s.Out("refs_keep_after", py.Refs(keep));
  s.Out("collected_again", py.Collect());
  s.Finish(heap);
}

// l = []; l.append(l); a = C(); b = C(); a.ref = b; b.ref = a
// del l; del a; del b
// gc.callbacks.append(cb); ret1 = gc.collect(1); ret0 = gc.collect(0)
// out collect1_returned, collect0_returned, events,
//     event{i}_{start,stop}_{generation,collected,uncollectable}
TEST(HeapDifferentialTest, S27CallbacksInfo) {
  Scenario s("27_callbacks_info");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle l = py.List();
  py.Append(l, l);
  const objects::Handle a = py.Instance();
  const objects::Handle b = py.Instance();
  py.SetAttr(a, "ref", b);
  py.SetAttr(b, "ref", a);
  py.DelName(l);
  py.DelName(a);
  py.DelName(b);
  const uint64_t registered = py.Mark();
  s.Out("collect1_returned", py.Collect(1));
  s.Out("collect0_returned", py.Collect(0));
  // gc.callbacks run twice per collection ("start", then "stop"); heapd
  // records one kCollection event per collection, at its end.
  const std::vector<objects::CollectResult> collections =
      py.Collections(registered);
  s.Out("events", 2 * collections.size());
  for (size_t i = 0; i < collections.size(); ++i) {
    const objects::CollectResult& c = collections[i];
    const std::string start = absl::StrCat("event", 2 * i, "_start");
    const std::string stop = absl::StrCat("event", 2 * i + 1, "_stop");
    s.Out(start + "_generation", c.generation);
    s.NotModelled(start + "_collected",
                  "heapd records no start-of-collection event (CPython's "
                  "\"start\" info always carries collected 0)");
    s.NotModelled(start + "_uncollectable",
                  "heapd records no start-of-collection event (CPython's "
                  "\"start\" info always carries uncollectable 0)");
    s.Out(stop + "_generation", c.generation);
    s.Out(stop + "_collected", c.collected);
    s.Out(stop + "_uncollectable", c.uncollectable);
  }
  s.Finish(heap);
}

// p1: a = C(); b = C(); a.ref = b; b.ref = a; a.meta = {"k": 1}
//     a.items = [1, 2]; out p1_atomic_dict_tracked, p1_atomic_list_tracked
//     del a; del b; out p1_collected
// p2: t = tuple([1, 2]); out p2_tuple_tracked_at_creation; gc.collect(0)
//     out p2_tuple_tracked_after_collect0; del t
// p3: a <-> b; a.pair = tuple([1, 2]); del a; del b; out p3_collected
// p4: a <-> b; a.pair = tuple([1, 2]); out p4_collected_while_alive,
//     p4_tuple_tracked_after_survival; del a; del b; out p4_collected
// p5: d = {"k": 1}; out p5_atomic_dict_tracked; d["obj"] = C()
//     out p5_dict_tracked_after_instance_value; del d; out p5_collected
TEST(HeapDifferentialTest, S28UntrackedAtomicContainers) {
  Scenario s("28_untracked_atomic_containers");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  auto pair_cycle = [&](objects::Handle* a, objects::Handle* b) {
    *a = py.Instance();
    *b = py.Instance();
    py.SetAttr(*a, "ref", *b);
    py.SetAttr(*b, "ref", *a);
  };
  auto atomic_tuple = [&] {  // tuple([1, 2])
    const objects::Handle t = py.Tuple(2);
    py.SetAttrNew(t, "0", py.Int(1));
    py.SetAttrNew(t, "1", py.Int(2));
    return t;
  };
  objects::Handle a, b;
  // p1
  pair_cycle(&a, &b);
  const objects::Handle meta = py.Dict();
  py.SetAttrNew(meta, "k", py.Int(1));
  py.SetAttrNew(a, "meta", meta);
  const objects::Handle items = py.List();
  py.AppendNew(items, py.Int(1));
  py.AppendNew(items, py.Int(2));
  py.SetAttrNew(a, "items", items);
  s.NotModelled("p1_atomic_dict_tracked", kNoUntracking,
                py.Tracked(meta) ? "true" : "false");
  s.Out("p1_atomic_list_tracked", py.Tracked(items));
  py.DelName(a);
  py.DelName(b);
  s.NotModelled(
      "p1_collected",
      absl::StrCat(kNoUntracking, "; heapd also counts the atomic dict a.meta"),
      absl::StrCat(py.Collect()));
  // p2
  const objects::Handle t = atomic_tuple();
  s.Out("p2_tuple_tracked_at_creation", py.Tracked(t));
  py.Collect(0);
  s.NotModelled("p2_tuple_tracked_after_collect0", kNoUntracking,
                py.Tracked(t) ? "true" : "false");
  py.DelName(t);
  // p3
  pair_cycle(&a, &b);
  py.SetAttrNew(a, "pair", atomic_tuple());
  py.DelName(a);
  py.DelName(b);
  s.Out("p3_collected", py.Collect());
  // p4
  pair_cycle(&a, &b);
  py.SetAttrNew(a, "pair", atomic_tuple());
  s.Out("p4_collected_while_alive", py.Collect());
  s.NotModelled("p4_tuple_tracked_after_survival", kNoUntracking,
                py.Tracked(py.Attr(a, "pair")) ? "true" : "false");
  py.DelName(a);
  py.DelName(b);
  s.NotModelled(
      "p4_collected",
      absl::StrCat(kNoUntracking, "; heapd still tracks a.pair and counts it"),
      absl::StrCat(py.Collect()));
  // p5
  const objects::Handle d = py.Dict();
  py.SetAttrNew(d, "k", py.Int(1));
  s.NotModelled("p5_atomic_dict_tracked", kNoUntracking,
                py.Tracked(d) ? "true" : "false");
  py.SetAttrNew(d, "obj", py.Instance());
  s.Out("p5_dict_tracked_after_instance_value", py.Tracked(d));
  py.DelName(d);
  s.Out("p5_collected", py.Collect());
  s.Finish(heap);
}

// holder = []; gc.collect(); base = gc.get_count()[0]
// for i in range(100): holder.append([])    -> d_alloc
// del holder[:]                             -> d_freed
// for i in range(50): holder.append([])     -> d_realloc50
// for i in range(40): holder.append([])     -> d_realloc90
// out count0_delta_after_100_lists, _after_freeing_100, _after_50_more,
//     _after_40_more
TEST(HeapDifferentialTest, S29ListFreeListCountQuirk) {
  Scenario s("29_list_free_list_count_quirk");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  const objects::Handle holder = py.List();
  py.Collect();  // also empties CPython's free lists: 100 fresh lists below
  const int64_t base = py.Count(0);
  std::vector<objects::Handle> lists;
  for (int i = 0; i < 100; ++i) {
    lists.push_back(py.List());
    py.AppendNew(holder, lists.back());
  }
  s.Out("count0_delta_after_100_lists", py.Count(0) - base);
  for (objects::Handle l : lists) py.Remove(holder, l);  // del holder[:]
  s.NotModelled("count0_delta_after_freeing_100", kNoListFreeList,
                absl::StrCat(py.Count(0) - base));
  for (int i = 0; i < 50; ++i) py.AppendNew(holder, py.List());
  s.NotModelled("count0_delta_after_50_more", kNoListFreeList,
                absl::StrCat(py.Count(0) - base));
  for (int i = 0; i < 40; ++i) py.AppendNew(holder, py.List());
  s.NotModelled("count0_delta_after_40_more", kNoListFreeList,
                absl::StrCat(py.Count(0) - base));
  s.Finish(heap);
}

// threshold0, threshold1, threshold2 = gc.get_threshold()   (defaults)
// keep = []; gc.collect(); gc.callbacks.append(cb); gc.enable()
// for i in range(701): keep.append([])    -> n_after_701
// for i in range(1300): keep.append([])   -> n_after_2001
// gc.disable()
// out threshold0, threshold1, threshold2, collections_after_701,
//     collections_after_2001
TEST(HeapDifferentialTest, S30DefaultThreshold) {
  Scenario s("30_default_threshold");
  objects::ObjectHeap heap(GcDisabled());  // default thresholds, as the program
  Py py(heap);
  const objects::GcConfig defaults = heap.gc_config();
  const objects::Handle keep = py.List();
  py.Collect();
  const uint64_t registered = py.Mark();
  py.Enable(true);
  auto append_lists = [&](int n) {
    for (int i = 0; i < n; ++i) {
      py.AppendNew(keep, py.List());
      py.SafePoint();
    }
  };
  auto collections = [&] {
    return static_cast<int64_t>(py.Collections(registered).size());
  };
  append_lists(701);
  const int64_t n_after_701 = collections();
  append_lists(1300);
  const int64_t n_after_2001 = collections();
  py.Enable(false);
  s.Out("threshold0", defaults.thresholds[0]);
  s.Out("threshold1", defaults.thresholds[1]);
  s.Out("threshold2", defaults.thresholds[2]);
  s.Out("collections_after_701", n_after_701);
  s.Out("collections_after_2001", n_after_2001);
  s.Finish(heap);
}

// gc.set_threshold(700, 10, 10); src = [()] * 2000; gc.collect()
// gc.callbacks.append(cb); gc.enable()
// keep = list(map(list, src))     (2000 lists + the map object, one C call)
// n_batch = len(gens); gc.disable(); gen_batch = gens[0]
// keep2 = []; gc.collect(); gens.clear(); gc.enable()
// for i in range(2000): keep2.append([])
// n_loop = len(gens); gc.disable()
// out batch_lists, collections_batch_in_one_call,
//     batch_collection_generation, collections_loop
TEST(HeapDifferentialTest, S31ScheduledGcSingleCall) {
  Scenario s("31_scheduled_gc_single_call");
  objects::ObjectHeap heap(GcDisabled());
  Py py(heap);
  py.SetThreshold(700, 10, 10);
  // src = [()] * 2000: the empty tuple is an immortal singleton in CPython
  // (not a GC allocation); only the list is replayed.
  [[maybe_unused]] const objects::Handle src = py.List();
  py.Collect();
  uint64_t registered = py.Mark();
  py.Enable(true);
  // keep = list(map(list, src)): the map object, the result list, then one
  // list per element, all inside one call; one safe point after it.
  const objects::Handle map_object = py.Instance();
  const objects::Handle keep = py.List();
  for (int i = 0; i < 2000; ++i) py.AppendNew(keep, py.List());
  py.DelName(map_object);
  py.SafePoint();
  const std::vector<objects::CollectResult> batch = py.Collections(registered);
  const int64_t n_batch = static_cast<int64_t>(batch.size());
  py.Enable(false);
  const int64_t gen_batch = batch.empty() ? -1 : batch[0].generation;

  const objects::Handle keep2 = py.List();
  py.Collect();
  registered = py.Mark();  // gens.clear(); gc.callbacks.append(cb)
  py.Enable(true);
  for (int i = 0; i < 2000; ++i) {
    py.AppendNew(keep2, py.List());
    py.SafePoint();
  }
  const int64_t n_loop =
      static_cast<int64_t>(py.Collections(registered).size());
  py.Enable(false);
  s.Out("batch_lists", py.Len(keep));
  s.Out("collections_batch_in_one_call", n_batch);
  s.Out("batch_collection_generation", gen_batch);
  s.Out("collections_loop", n_loop);
  s.Finish(heap);
}

}  // namespace
}  // namespace heapd
