#include "heap/objects/handle_codec.h"

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace heapd::objects {
namespace {

// Key 00 01 .. 0f, as in the SipHash paper's test vectors.
constexpr HandleKey kPaperKey{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};

TEST(SipHash24Test, MatchesThePapersVectorForAnEightByteMessage) {
  // Message 00 01 .. 07: the reference implementation's vectors[8].
  EXPECT_EQ(SipHash24(kPaperKey, 0x0706050403020100ULL), 0x93f5f5799a932462ULL);
}

TEST(HandleCodecTest, DecodeInvertsEncode) {
  const HandleCodec codec(HandleKey{0x1234, 0x5678});
  for (uint64_t reuse : {0u, 1u, 7u, 0xffffffffu}) {
    for (uint64_t slot : {0u, 1u, 2u, 1000u, 0x7fffffffu}) {
      const uint64_t plain = (reuse << 32) | slot;
      EXPECT_EQ(codec.Decode(codec.Encode(plain)), plain);
    }
  }
}

TEST(HandleCodecTest, ConsecutivePairsGiveUnrelatedHandles) {
  const HandleCodec codec(HandleKey{0x1234, 0x5678});
  // Each of the 64 bits of a handle flips for about half of consecutive
  // slots: no bit follows the slot number.
  constexpr int kSlots = 4096;
  std::vector<int> flips(64, 0);
  uint64_t previous = codec.Encode(0);
  for (uint64_t slot = 1; slot <= kSlots; ++slot) {
    const uint64_t handle = codec.Encode(slot);
    for (int bit = 0; bit < 64; ++bit)
      flips[bit] += ((handle ^ previous) >> bit) & 1;
    previous = handle;
  }
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_GT(flips[bit], kSlots * 0.45) << "bit " << bit;
    EXPECT_LT(flips[bit], kSlots * 0.55) << "bit " << bit;
  }
}

TEST(HandleCodecTest, KeysGiveDifferentPermutations) {
  const HandleCodec a(HandleKey{1, 2});
  const HandleCodec b(HandleKey{1, 3});
  int same = 0;
  for (uint64_t slot = 0; slot < 1000; ++slot)
    same += a.Encode(slot) == b.Encode(slot);
  EXPECT_EQ(same, 0);
}

TEST(HandleCodecTest, DistinctPairsGiveDistinctHandles) {
  const HandleCodec codec(HandleKey{42, 43});
  absl::flat_hash_set<uint64_t> seen;
  for (uint64_t reuse = 0; reuse < 16; ++reuse) {
    for (uint64_t slot = 0; slot < 4096; ++slot) {
      EXPECT_TRUE(seen.insert(codec.Encode((reuse << 32) | slot)).second);
    }
  }
}

TEST(HandleCodecTest, RandomKeysDiffer) {
  EXPECT_NE(RandomHandleKey(), RandomHandleKey());
}

}  // namespace
}  // namespace heapd::objects
