// Fuzzes the allocator trace reader and its replay (heap/replay/): any bytes
// must give a ReplayReport or an error status, never a crash, a sanitizer
// report or unbounded work, and the two must agree:
//   - an error is DATA_LOSS (a damaged trace), UNIMPLEMENTED (another
//     version), INVALID_ARGUMENT (a layout heapd cannot take),
//     FAILED_PRECONDITION (a block used in a way no allocator could) or
//     RESOURCE_EXHAUSTED (memory refused);
//   - a report counts the calls and checkpoints the reader read, and no more
//     checkpoints equal than were compared.
// Inputs that ask for a block over 1 MiB are skipped: they would test the C
// allocator's limits (and libFuzzer's malloc limit), not the replay.
// The seed corpus comes from fuzz/make_trace_seeds.py.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heap/replay/replay_run.h"
#include "heap/replay/trace_format.h"

namespace heapd::replay {
namespace {

constexpr uint64_t kMaxBlock = uint64_t{1} << 20;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "trace_fuzzer: %s\n", what.c_str());
  std::abort();
}

struct Counts {
  uint64_t calls = 0;
  uint64_t checkpoints = 0;
  bool ok = false;
};

// The reader alone: what it reads before the end or an error, or nothing
// when a block is too large to replay here.
bool Scan(std::FILE* file, Counts& counts) {
  absl::StatusOr<TraceReader> reader = TraceReader::Open(file);
  if (!reader.ok()) return true;
  TraceRecord record;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(record);
    if (!more.ok()) return true;
    if (!*more) break;
    switch (record.op) {
      case TraceOp::kMalloc:
      case TraceOp::kRealloc:
        if (record.size > kMaxBlock) return false;
        ++counts.calls;
        break;
      case TraceOp::kCalloc:
        if (record.elsize != 0 && record.size > kMaxBlock / record.elsize) {
          return false;
        }
        ++counts.calls;
        break;
      case TraceOp::kFree:
        ++counts.calls;
        break;
      case TraceOp::kCheckpoint:
        ++counts.checkpoints;
        break;
      default:
        break;
    }
  }
  counts.ok = true;
  return true;
}

}  // namespace
}  // namespace heapd::replay

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace heapd::replay;
  std::FILE* file = std::tmpfile();
  if (file == nullptr) Fail("no temporary file");
  if (size != 0 && std::fwrite(data, 1, size, file) != size) Fail("fwrite");
  std::rewind(file);
  Counts counts;
  if (!Scan(file, counts)) {
    std::fclose(file);
    return 0;
  }
  std::rewind(file);
  ReplayOptions options;
  options.glibc = false;
  absl::StatusOr<ReplayReport> report = ReplayTrace(file, options);
  std::fclose(file);
  if (!report.ok()) {
    switch (report.status().code()) {
      case absl::StatusCode::kDataLoss:
      case absl::StatusCode::kUnimplemented:
      case absl::StatusCode::kInvalidArgument:
      case absl::StatusCode::kFailedPrecondition:
      case absl::StatusCode::kResourceExhausted:
        break;
      default:
        Fail("unexpected status: " + report.status().ToString());
    }
    // A trace the reader took whole has its version and framing right.
    if (counts.ok &&
        report.status().code() == absl::StatusCode::kUnimplemented) {
      Fail("a whole trace refused: " + report.status().ToString());
    }
    return 0;
  }
  if (!counts.ok) Fail("a replay of a trace the reader refuses");
  if (report->calls != counts.calls) Fail("calls miscounted");
  if (report->checkpoints != counts.checkpoints) Fail("checkpoints miscounted");
  if (report->checkpoints_equal > report->checkpoints) {
    Fail("more checkpoints equal than there are");
  }
  return 0;
}
