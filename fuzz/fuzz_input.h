// FuzzInput: reads small decisions out of a fuzzer's byte string.
//
// Each read consumes bytes from the front; once they run out every read
// returns 0 (and done() is true), so a decoder never needs to check sizes
// and a truncated input still decodes to a valid, shorter program. Kept
// deliberately simple (no "rest of the input" tricks): libFuzzer's mutations
// then map onto local changes of the decoded operations.
//
// Example:
//   heapd::FuzzInput in(data, size);
//   while (!in.done()) {
//     switch (in.Byte() % 4) { ... in.Pick(handles.size()) ... }
//   }
#ifndef HEAPD_FUZZ_FUZZ_INPUT_H_
#define HEAPD_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace heapd {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool done() const { return pos_ >= size_; }

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint16_t U16() { return static_cast<uint16_t>(Byte() | Byte() << 8); }
  uint32_t U32() {
    return static_cast<uint32_t>(U16() | uint32_t{U16()} << 16);
  }
  uint64_t U64() { return U32() | uint64_t{U32()} << 32; }
  bool Bool() { return Byte() & 1; }
  // 0 .. n-1 (0 when n is 0).
  size_t Pick(size_t n) { return n == 0 ? 0 : Byte() % n; }

  // Up to max_size bytes, the length read first.
  std::string String(size_t max_size) {
    const size_t n = Pick(max_size + 1);
    std::string s;
    while (s.size() < n && !done()) s.push_back(static_cast<char>(Byte()));
    return s;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace heapd

#endif  // HEAPD_FUZZ_FUZZ_INPUT_H_
