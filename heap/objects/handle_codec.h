// HandleCodec: the handles clients see, as a keyed permutation of the
// heap's (reuse count, slot) pairs.
//
// Inside the heap an object is named by its slot in the record table and
// the number of times that slot has been reused: `plain = reuse << 32 |
// slot`. Such values are consecutive and guessable, so clients never see
// them: a handle is the plain value enciphered under a per-heap secret key
// by a 64-bit block cipher (a four-round Feistel network whose round
// function is SipHash-2-4 of the round number and the half block). The
// cipher is a bijection, so
//   - a handle is stable for its object's life (the pair does not change),
//   - a handle is never reused for another object (no pair repeats while a
//     slot's reuse count has not wrapped its 32 bits),
//   - without the key, the handles one has seen say nothing usable about
//     any other (Luby-Rackoff: four rounds of a pseudo-random function give
//     a strong pseudo-random permutation),
// and decoding is the inverse network, with no table to keep.
//
// Handle 0 means "no object" throughout the API; Encode never returns it
// for a pair the heap uses (see ObjectHeap: a pair that would encode to 0
// is skipped).
//
// Example:
//   HandleCodec codec(HandleKey{0x0123, 0x4567});
//   uint64_t handle = codec.Encode(uint64_t{3} << 32 | 17);
//   assert(codec.Decode(handle) == (uint64_t{3} << 32 | 17));
//
// Thread-safe: const after construction.
#ifndef HEAPD_HEAP_OBJECTS_HANDLE_CODEC_H_
#define HEAPD_HEAP_OBJECTS_HANDLE_CODEC_H_

#include <array>
#include <cstdint>

namespace heapd::objects {

// The secret: 128 bits, as SipHash takes.
struct HandleKey {
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  bool operator==(const HandleKey&) const = default;
};

// A key from the operating system's entropy (std::random_device, which is
// getrandom(2) on Linux).
HandleKey RandomHandleKey();

// SipHash-2-4 of one 64-bit word (the message is the word's 8 bytes,
// little-endian), as in Aumasson and Bernstein, "SipHash: a fast
// short-input PRF" (2012).
uint64_t SipHash24(const HandleKey& key, uint64_t word);

class HandleCodec {
 public:
  explicit HandleCodec(const HandleKey& key) : key_(key) {}

  uint64_t Encode(uint64_t plain) const;
  uint64_t Decode(uint64_t handle) const;

 private:
  static constexpr int kRounds = 4;
  uint32_t Round(int round, uint32_t half) const {
    return static_cast<uint32_t>(
        SipHash24(key_, (static_cast<uint64_t>(round) << 32) | half));
  }

  HandleKey key_;
};

}  // namespace heapd::objects

#endif  // HEAPD_HEAP_OBJECTS_HANDLE_CODEC_H_
