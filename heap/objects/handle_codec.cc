#include "heap/objects/handle_codec.h"

#include <random>

namespace heapd::objects {
namespace {

constexpr uint64_t Rotl(uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}

struct SipState {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }
  void Compress(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

}  // namespace

HandleKey RandomHandleKey() {
  std::random_device device;
  auto word = [&device] {
    return (static_cast<uint64_t>(device()) << 32) | device();
  };
  HandleKey key;
  key.k0 = word();
  key.k1 = word();
  return key;
}

uint64_t SipHash24(const HandleKey& key, uint64_t word) {
  // The initialisation constants are "somepseudorandomlygeneratedbytes".
  SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
             key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  s.Compress(word);
  // The final block: the message length (8) in the top byte, no tail bytes.
  s.Compress(uint64_t{8} << 56);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t HandleCodec::Encode(uint64_t plain) const {
  uint32_t left = static_cast<uint32_t>(plain >> 32);
  uint32_t right = static_cast<uint32_t>(plain);
  for (int round = 0; round < kRounds; ++round) {
    const uint32_t next = left ^ Round(round, right);
    left = right;
    right = next;
  }
  return (static_cast<uint64_t>(left) << 32) | right;
}

uint64_t HandleCodec::Decode(uint64_t handle) const {
  uint32_t left = static_cast<uint32_t>(handle >> 32);
  uint32_t right = static_cast<uint32_t>(handle);
  for (int round = kRounds - 1; round >= 0; --round) {
    const uint32_t previous = right ^ Round(round, left);
    right = left;
    left = previous;
  }
  return (static_cast<uint64_t>(left) << 32) | right;
}

}  // namespace heapd::objects
