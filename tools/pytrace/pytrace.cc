// pytrace: runs a Python program as python3 would and records every call it
// makes to CPython's small-object allocator into a trace (the format of
// heap/replay/trace_format.h, docs/trace_format.md).
//
//   pytrace [-o trace.bin] [--checkpoint_every=N] [--] PYTHON_ARGS...
//   pytrace -o json.trace -- -m json.tool big.json
//
// Before the interpreter starts it wraps the PYMEM_DOMAIN_MEM and
// PYMEM_DOMAIN_OBJ allocators (both pymalloc in a release build) and the
// arena allocator with recording hooks that call the originals, so pymalloc
// makes the same decisions it would without them. Every N allocator calls,
// and once more at exit (the first atexit handler registered, so the last
// run, before finalization), it writes _PyObject_DebugMallocStats' text into
// the trace as a checkpoint.
//
// sys.executable stays the system's python3.11, so programs that start
// Python subprocesses start them untraced. A forked child runs untraced too:
// its hooks only call the originals, and it never writes to the trace.
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "heap/replay/trace_format.h"

// pymalloc's statistics, what sys._debugmallocstats() prints first.
// libpython3.11 exports it; its declaration is in an internal header
// (internal/pycore_pymem.h) that needs Py_BUILD_CORE.
extern "C" int _PyObject_DebugMallocStats(FILE* out);

namespace {

using heapd::replay::Domain;
using heapd::replay::TraceWriter;

// The interpreter pytrace stands in for: sys.executable and the prefix the
// standard library is found under.
constexpr wchar_t kPython[] = L"/usr/bin/python3.11";

struct DomainHook {
  Domain domain;
  PyMemAllocatorDomain id;
  PyMemAllocatorEx original;
  PyMemAllocatorEx wrapped;
};

// The recorder's state. The interpreter lock serializes the MEM and OBJ
// domains, so the hooks need no lock of their own.
struct Recorder {
  TraceWriter* writer = nullptr;
  DomainHook mem{Domain::kMem, PYMEM_DOMAIN_MEM, {}, {}};
  DomainHook obj{Domain::kObj, PYMEM_DOMAIN_OBJ, {}, {}};
  PyObjectArenaAllocator arenas{};
  absl::flat_hash_map<void*, uint64_t> ids;
  uint64_t checkpoint_every = 0;
  uint64_t next_checkpoint = 0;
  uint64_t unknown_frees = 0;
  // False in a forked child: the trace is the parent's.
  bool active = true;
};

Recorder recorder;

// _PyObject_DebugMallocStats prints nothing unless the OBJ domain's malloc
// is pymalloc's own, so the original is put back while it runs.
void Checkpoint() {
  char* text = nullptr;
  size_t length = 0;
  FILE* out = open_memstream(&text, &length);
  if (out == nullptr) return;
  PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &recorder.obj.original);
  _PyObject_DebugMallocStats(out);
  PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &recorder.obj.wrapped);
  std::fclose(out);
  recorder.writer->Checkpoint(std::string(text, length));
  std::free(text);
}

void AfterCall() {
  if (recorder.checkpoint_every != 0 &&
      recorder.writer->calls() >= recorder.next_checkpoint) {
    recorder.next_checkpoint += recorder.checkpoint_every;
    Checkpoint();
  }
}

uint64_t TakeId(void* p) {
  auto it = recorder.ids.find(p);
  if (it == recorder.ids.end()) {
    ++recorder.unknown_frees;
    return 0;
  }
  const uint64_t id = it->second;
  recorder.ids.erase(it);
  return id;
}

void* HookMalloc(void* ctx, size_t size) {
  auto* hook = static_cast<DomainHook*>(ctx);
  void* p = hook->original.malloc(hook->original.ctx, size);
  if (p != nullptr && recorder.active) {
    recorder.ids[p] = recorder.writer->Malloc(hook->domain, size);
    AfterCall();
  }
  return p;
}

void* HookCalloc(void* ctx, size_t nelem, size_t elsize) {
  auto* hook = static_cast<DomainHook*>(ctx);
  void* p = hook->original.calloc(hook->original.ctx, nelem, elsize);
  if (p != nullptr && recorder.active) {
    recorder.ids[p] = recorder.writer->Calloc(hook->domain, nelem, elsize);
    AfterCall();
  }
  return p;
}

void* HookRealloc(void* ctx, void* ptr, size_t size) {
  auto* hook = static_cast<DomainHook*>(ctx);
  void* p = hook->original.realloc(hook->original.ctx, ptr, size);
  // Failed (the block is unchanged), or not recording.
  if (p == nullptr || !recorder.active) return p;
  const uint64_t old_id = ptr == nullptr ? 0 : TakeId(ptr);
  recorder.ids[p] =
      recorder.writer->Realloc(hook->domain, old_id, size, p != ptr);
  AfterCall();
  return p;
}

void HookFree(void* ctx, void* ptr) {
  auto* hook = static_cast<DomainHook*>(ctx);
  if (!recorder.active) {
    hook->original.free(hook->original.ctx, ptr);
    return;
  }
  if (ptr != nullptr) {
    const uint64_t id = TakeId(ptr);
    if (id != 0) recorder.writer->Free(hook->domain, id);
  }
  hook->original.free(hook->original.ctx, ptr);
  if (ptr != nullptr) AfterCall();
}

void* HookArenaAlloc(void* ctx, size_t size) {
  void* p = recorder.arenas.alloc(recorder.arenas.ctx, size);
  if (p != nullptr && recorder.active) {
    recorder.writer->ArenaAlloc(reinterpret_cast<uintptr_t>(p), size);
  }
  return p;
}

void HookArenaFree(void* ctx, void* ptr, size_t size) {
  if (recorder.active)
    recorder.writer->ArenaFree(reinterpret_cast<uintptr_t>(ptr), size);
  recorder.arenas.free(recorder.arenas.ctx, ptr, size);
}

void Install(DomainHook& hook) {
  PyMem_GetAllocator(hook.id, &hook.original);
  hook.wrapped = {&hook, HookMalloc, HookCalloc, HookRealloc, HookFree};
  PyMem_SetAllocator(hook.id, &hook.wrapped);
}

void StopRecordingInChild() { recorder.active = false; }

PyObject* AtExitCheckpoint(PyObject*, PyObject*) {
  if (recorder.active) Checkpoint();
  Py_RETURN_NONE;
}

PyMethodDef kAtExitMethod = {"_pytrace_checkpoint", AtExitCheckpoint,
                             METH_NOARGS, nullptr};

// Registers the exit checkpoint with atexit before the program runs: the
// first handler registered is the last called.
bool RegisterExitCheckpoint() {
  PyObject* atexit = PyImport_ImportModule("atexit");
  if (atexit == nullptr) return false;
  PyObject* function = PyCFunction_New(&kAtExitMethod, nullptr);
  PyObject* result =
      function == nullptr
          ? nullptr
          : PyObject_CallMethod(atexit, "register", "O", function);
  Py_XDECREF(result);
  Py_XDECREF(function);
  Py_DECREF(atexit);
  return result != nullptr;
}

int Usage() {
  std::fprintf(stderr,
               "usage: pytrace [-o TRACE] [--checkpoint_every=N] [--] "
               "PYTHON_ARGS...\n"
               "  -o TRACE               the trace file (default "
               "pytrace.bin)\n"
               "  --checkpoint_every=N   a checkpoint every N allocator "
               "calls (default 100000; 0: at exit only)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string output = "pytrace.bin";
  uint64_t checkpoint_every = 100000;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      ++i;
      break;
    } else if (arg == "-o" && i + 1 < argc) {
      output = argv[++i];
    } else if (arg.rfind("--checkpoint_every=", 0) == 0) {
      char* end = nullptr;
      const char* value = argv[i] + std::strlen("--checkpoint_every=");
      checkpoint_every = std::strtoull(value, &end, 10);
      if (*value == '\0' || *end != '\0') return Usage();
    } else if (arg == "-h" || arg == "--help") {
      return Usage();
    } else {
      break;  // the first of Python's own arguments
    }
  }

  FILE* file = std::fopen(output.c_str(), "wb");
  if (file == nullptr) {
    std::fprintf(stderr, "pytrace: cannot write %s: %s\n", output.c_str(),
                 std::strerror(errno));
    return 2;
  }
  // The writer buffers; stdio must not, or a forked child would inherit
  // (and could flush) a copy of the parent's unwritten bytes.
  std::setvbuf(file, nullptr, _IONBF, 0);
  pthread_atfork(nullptr, nullptr, StopRecordingInChild);
  const pid_t recording_pid = getpid();

  // Both presets of pymalloc in 64-bit CPython 3.10+: 1 MiB arenas of
  // 16 KiB pools (Objects/obmalloc.c, ARENA_BITS and POOL_BITS).
  TraceWriter writer(file, {uint64_t{1} << 20, uint64_t{1} << 14});
  recorder.writer = &writer;
  recorder.checkpoint_every = checkpoint_every;
  recorder.next_checkpoint = checkpoint_every;

  // From the first allocation on: the hooks go in before anything runs.
  Install(recorder.mem);
  Install(recorder.obj);
  PyObject_GetArenaAllocator(&recorder.arenas);
  PyObjectArenaAllocator arena_hook = {nullptr, HookArenaAlloc, HookArenaFree};
  PyObject_SetArenaAllocator(&arena_hook);

  // python3's own argv: its name, then what followed our options.
  std::vector<char*> python_argv = {argv[0]};
  for (; i < argc; ++i) python_argv.push_back(argv[i]);

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  PyStatus status = PyConfig_SetString(&config, &config.executable, kPython);
  if (!PyStatus_Exception(status)) {
    status = PyConfig_SetString(&config, &config.program_name, kPython);
  }
  if (!PyStatus_Exception(status)) {
    status = PyConfig_SetBytesArgv(&config,
                                   static_cast<Py_ssize_t>(python_argv.size()),
                                   python_argv.data());
  }
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) Py_ExitStatusException(status);
  if (!RegisterExitCheckpoint()) {
    PyErr_Print();
    std::fprintf(stderr, "pytrace: cannot register the exit checkpoint\n");
    return 2;
  }

  const int exit_code = Py_RunMain();
  // A forked child that returned from the program: the trace is not its.
  if (getpid() != recording_pid) return exit_code;

  const absl::Status written = writer.Finish();
  std::fclose(file);
  if (!written.ok()) {
    std::fprintf(stderr, "pytrace: %s: %s\n", output.c_str(),
                 std::string(written.message()).c_str());
    return 2;
  }
  if (recorder.unknown_frees != 0) {
    std::fprintf(stderr,
                 "pytrace: %llu frees or reallocs of blocks not seen "
                 "allocated\n",
                 static_cast<unsigned long long>(recorder.unknown_frees));
  }
  return exit_code;
}
