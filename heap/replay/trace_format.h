// The trace of a program's calls to CPython's small-object allocator, as
// pytrace records it and heapreplay reads it. The format is described in
// docs/trace_format.md; in short:
//
//   header   "HEAPTRC" 0x00, version byte, arena_size and pool_size (varints)
//   records  a tag byte (op in the low 7 bits, the object domain in the top
//            bit) and its varint fields, the last one an end record
//
// Blocks are named by ids, not addresses: the n-th block created (by malloc,
// calloc, or realloc of null) has id n, counting from 1, and keeps it through
// in-place and moving reallocs until it is freed. Arenas are recorded by
// address, which says how far each lies from a pool boundary.
//
// Not thread-safe; one writer or reader per file.
#ifndef HEAPD_HEAP_REPLAY_TRACE_FORMAT_H_
#define HEAPD_HEAP_REPLAY_TRACE_FORMAT_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace heapd::replay {

inline constexpr char kTraceMagic[8] = {'H', 'E', 'A', 'P', 'T', 'R', 'C', 0};
inline constexpr uint8_t kTraceVersion = 1;

enum class TraceOp : uint8_t {
  kEnd = 0,         // calls: the number of allocator calls in the trace
  kMalloc = 1,      // size
  kCalloc = 2,      // nelem, elsize
  kRealloc = 3,     // id (0: realloc of null), size, moved
  kFree = 4,        // id
  kArenaAlloc = 5,  // address, size
  kArenaFree = 6,   // address, size
  kCheckpoint = 7,  // calls so far, then the _PyObject_DebugMallocStats text
};

// Which of CPython's two pymalloc domains a call went through.
enum class Domain : uint8_t { kMem = 0, kObj = 1 };

struct TraceHeader {
  uint64_t arena_size = 0;
  uint64_t pool_size = 0;
};

// One record; only the fields of its op are meaningful.
struct TraceRecord {
  TraceOp op = TraceOp::kEnd;
  Domain domain = Domain::kMem;
  // malloc, calloc, realloc and free: the block. For malloc, calloc and
  // realloc of null the reader fills in the id the record creates.
  uint64_t id = 0;
  uint64_t size = 0;    // malloc, realloc; calloc: nelem
  uint64_t elsize = 0;  // calloc
  bool moved = false;   // realloc: CPython returned another address
  // realloc of null: a malloc that creates `id`.
  bool from_null = false;
  uint64_t address = 0;      // arena records
  uint64_t arena_bytes = 0;  // arena records: the size mapped
  uint64_t calls = 0;        // checkpoint and end: calls recorded before it
  std::string text;          // checkpoint
};

// Appends records to a file through a buffer. Every write returns at once;
// I/O errors are reported by Finish.
class TraceWriter {
 public:
  // Writes the header. `file` stays owned by the caller and open until
  // Finish returns.
  TraceWriter(std::FILE* file, const TraceHeader& header);
  ~TraceWriter() = default;
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Each returns the id of the block the call leaves (a new one for
  // malloc, calloc and realloc of id 0).
  uint64_t Malloc(Domain domain, uint64_t size);
  uint64_t Calloc(Domain domain, uint64_t nelem, uint64_t elsize);
  uint64_t Realloc(Domain domain, uint64_t id, uint64_t size, bool moved);
  void Free(Domain domain, uint64_t id);
  // Every call of CPython's arena allocator: pymalloc's arenas, and in
  // 3.11+ also the frames' data-stack chunks (_PyObject_VirtualAlloc).
  void ArenaAlloc(uint64_t address, uint64_t size);
  void ArenaFree(uint64_t address, uint64_t size);
  void Checkpoint(const std::string& text);

  // Allocator calls written so far.
  uint64_t calls() const { return calls_; }

  // Writes the end record and flushes. OK, or the first I/O error.
  absl::Status Finish();

 private:
  void Tag(TraceOp op, Domain domain);
  void Varint(uint64_t value);
  void Flush();

  std::FILE* const file_;
  std::vector<uint8_t> buffer_;
  uint64_t calls_ = 0;
  uint64_t next_id_ = 1;
  bool failed_ = false;
};

// Reads records in order, checking each as it goes.
class TraceReader {
 public:
  // Reads and checks the header: DATA_LOSS if the file is not a trace or is
  // cut short, UNIMPLEMENTED for another version. `file` stays owned by the
  // caller.
  static absl::StatusOr<TraceReader> Open(std::FILE* file);

  const TraceHeader& header() const { return header_; }

  // The next record: true with `record` filled, false after the end record
  // (and on every call after it), DATA_LOSS naming the byte offset when the
  // file is cut short or a record is malformed (unknown op, overlong varint,
  // a block id never created).
  absl::StatusOr<bool> Next(TraceRecord& record);

 private:
  explicit TraceReader(std::FILE* file) : file_(file) {}
  absl::Status Byte(uint8_t& byte);
  absl::Status Varint(uint64_t& value);
  absl::Status Id(uint64_t& id);
  absl::Status Corrupt(const std::string& what) const;

  std::FILE* file_;
  TraceHeader header_;
  uint64_t offset_ = 0;
  uint64_t calls_ = 0;
  uint64_t next_id_ = 1;
  bool ended_ = false;
};

}  // namespace heapd::replay

#endif  // HEAPD_HEAP_REPLAY_TRACE_FORMAT_H_
