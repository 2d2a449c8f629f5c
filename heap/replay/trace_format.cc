#include "heap/replay/trace_format.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace heapd::replay {
namespace {

// Bytes buffered before a write to the file.
constexpr size_t kBufferSize = size_t{1} << 20;
// A checkpoint's text is a few kilobytes; anything longer is corruption.
constexpr uint64_t kMaxCheckpointText = uint64_t{1} << 20;
constexpr uint8_t kDomainBit = 0x80;

}  // namespace

TraceWriter::TraceWriter(std::FILE* file, const TraceHeader& header)
    : file_(file) {
  buffer_.reserve(kBufferSize);
  buffer_.insert(buffer_.end(), kTraceMagic, kTraceMagic + sizeof kTraceMagic);
  buffer_.push_back(kTraceVersion);
  Varint(header.arena_size);
  Varint(header.pool_size);
}

void TraceWriter::Tag(TraceOp op, Domain domain) {
  if (buffer_.size() + 64 > kBufferSize) Flush();
  buffer_.push_back(static_cast<uint8_t>(op) |
                    (domain == Domain::kObj ? kDomainBit : 0));
}

void TraceWriter::Varint(uint64_t value) {
  while (value >= 0x80) {
    buffer_.push_back(static_cast<uint8_t>(value) | 0x80);
    value >>= 7;
  }
  buffer_.push_back(static_cast<uint8_t>(value));
}

void TraceWriter::Flush() {
  if (!failed_ && !buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    failed_ = true;
  }
  buffer_.clear();
}

uint64_t TraceWriter::Malloc(Domain domain, uint64_t size) {
  Tag(TraceOp::kMalloc, domain);
  Varint(size);
  ++calls_;
  return next_id_++;
}

uint64_t TraceWriter::Calloc(Domain domain, uint64_t nelem, uint64_t elsize) {
  Tag(TraceOp::kCalloc, domain);
  Varint(nelem);
  Varint(elsize);
  ++calls_;
  return next_id_++;
}

uint64_t TraceWriter::Realloc(Domain domain, uint64_t id, uint64_t size,
                              bool moved) {
  Tag(TraceOp::kRealloc, domain);
  Varint(id);
  Varint(size);
  buffer_.push_back(moved ? 1 : 0);
  ++calls_;
  return id == 0 ? next_id_++ : id;
}

void TraceWriter::Free(Domain domain, uint64_t id) {
  Tag(TraceOp::kFree, domain);
  Varint(id);
  ++calls_;
}

void TraceWriter::ArenaAlloc(uint64_t address, uint64_t size) {
  Tag(TraceOp::kArenaAlloc, Domain::kMem);
  Varint(address);
  Varint(size);
}

void TraceWriter::ArenaFree(uint64_t address, uint64_t size) {
  Tag(TraceOp::kArenaFree, Domain::kMem);
  Varint(address);
  Varint(size);
}

void TraceWriter::Checkpoint(const std::string& text) {
  Tag(TraceOp::kCheckpoint, Domain::kMem);
  Varint(calls_);
  Varint(text.size());
  Flush();
  if (!failed_ &&
      std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    failed_ = true;
  }
}

absl::Status TraceWriter::Finish() {
  Tag(TraceOp::kEnd, Domain::kMem);
  Varint(calls_);
  Flush();
  if (!failed_ && std::fflush(file_) != 0) failed_ = true;
  if (failed_) {
    return absl::UnavailableError(
        absl::StrCat("writing the trace failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<TraceReader> TraceReader::Open(std::FILE* file) {
  TraceReader reader(file);
  char magic[sizeof kTraceMagic];
  for (char& c : magic) {
    uint8_t byte;
    if (!reader.Byte(byte).ok()) {
      return absl::DataLossError("not a heapd trace: shorter than its header");
    }
    c = static_cast<char>(byte);
  }
  if (std::memcmp(magic, kTraceMagic, sizeof magic) != 0) {
    return absl::DataLossError("not a heapd trace: wrong magic bytes");
  }
  uint8_t version;
  if (!reader.Byte(version).ok()) {
    return absl::DataLossError("not a heapd trace: shorter than its header");
  }
  if (version != kTraceVersion) {
    return absl::UnimplementedError(absl::StrCat(
        "trace version ", version, "; this reader reads ", kTraceVersion));
  }
  if (absl::Status s = reader.Varint(reader.header_.arena_size); !s.ok()) {
    return s;
  }
  if (absl::Status s = reader.Varint(reader.header_.pool_size); !s.ok()) {
    return s;
  }
  return reader;
}

absl::Status TraceReader::Corrupt(const std::string& what) const {
  return absl::DataLossError(
      absl::StrCat("corrupt trace at byte ", offset_, ": ", what));
}

absl::Status TraceReader::Byte(uint8_t& byte) {
  const int c = getc_unlocked(file_);
  if (c == EOF) {
    return absl::DataLossError(
        absl::StrCat("trace cut short at byte ", offset_, " (no end record)"));
  }
  ++offset_;
  byte = static_cast<uint8_t>(c);
  return absl::OkStatus();
}

absl::Status TraceReader::Varint(uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t byte;
    if (absl::Status s = Byte(byte); !s.ok()) return s;
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return absl::OkStatus();
  }
  return Corrupt("varint longer than 10 bytes");
}

absl::Status TraceReader::Id(uint64_t& id) {
  if (absl::Status s = Varint(id); !s.ok()) return s;
  if (id == 0 || id >= next_id_) {
    return Corrupt(absl::StrCat("block id ", id, " was never created"));
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> TraceReader::Next(TraceRecord& record) {
  if (ended_) return false;
  uint8_t tag;
  if (absl::Status s = Byte(tag); !s.ok()) return s;
  record.domain = (tag & kDomainBit) != 0 ? Domain::kObj : Domain::kMem;
  record.op = static_cast<TraceOp>(tag & ~kDomainBit);
  absl::Status s;
  switch (record.op) {
    case TraceOp::kEnd:
      s = Varint(record.calls);
      if (s.ok() && record.calls != calls_) {
        return Corrupt(absl::StrCat("the end record counts ", record.calls,
                                    " calls; the trace holds ", calls_));
      }
      ended_ = s.ok();
      return s.ok() ? absl::StatusOr<bool>(false) : s;
    case TraceOp::kMalloc:
      s = Varint(record.size);
      record.id = next_id_++;
      ++calls_;
      break;
    case TraceOp::kCalloc:
      s = Varint(record.size);
      if (s.ok()) s = Varint(record.elsize);
      record.id = next_id_++;
      ++calls_;
      break;
    case TraceOp::kRealloc: {
      s = Varint(record.id);
      if (s.ok() && record.id >= next_id_) {
        return Corrupt(
            absl::StrCat("block id ", record.id, " was never created"));
      }
      if (s.ok()) s = Varint(record.size);
      uint8_t moved = 0;
      if (s.ok()) s = Byte(moved);
      if (s.ok() && moved > 1) return Corrupt("realloc's moved flag not 0/1");
      record.moved = moved == 1;
      record.from_null = record.id == 0;
      if (record.from_null) record.id = next_id_++;
      ++calls_;
      break;
    }
    case TraceOp::kFree:
      s = Id(record.id);
      ++calls_;
      break;
    case TraceOp::kArenaAlloc:
    case TraceOp::kArenaFree:
      s = Varint(record.address);
      if (s.ok()) s = Varint(record.arena_bytes);
      break;
    case TraceOp::kCheckpoint: {
      uint64_t length = 0;
      s = Varint(record.calls);
      if (s.ok()) s = Varint(length);
      if (!s.ok()) return s;
      if (record.calls != calls_) {
        return Corrupt(absl::StrCat("checkpoint after ", record.calls,
                                    " calls, but the trace holds ", calls_));
      }
      if (length > kMaxCheckpointText) {
        return Corrupt(absl::StrCat("checkpoint text of ", length, " bytes"));
      }
      record.text.resize(length);
      const size_t got = std::fread(record.text.data(), 1, length, file_);
      offset_ += got;
      if (got != length) {
        return absl::DataLossError(absl::StrCat(
            "trace cut short at byte ", offset_, " (inside a checkpoint)"));
      }
      break;
    }
    default:
      return Corrupt(absl::StrCat("unknown record type ", tag & ~kDomainBit));
  }
  if (!s.ok()) return s;
  return true;
}

}  // namespace heapd::replay
