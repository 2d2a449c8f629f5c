#include "client/heapctl/units.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

TEST(UnitsTest, WithCommas) {
  EXPECT_EQ(WithCommas(0), "0");
  EXPECT_EQ(WithCommas(999), "999");
  EXPECT_EQ(WithCommas(1000), "1,000");
  EXPECT_EQ(WithCommas(262144), "262,144");
  EXPECT_EQ(WithCommas(-1234567), "-1,234,567");
  EXPECT_EQ(WithCommas(std::numeric_limits<int64_t>::min()),
            "-9,223,372,036,854,775,808");
}

TEST(UnitsTest, NanosBytesUptime) {
  EXPECT_EQ(Nanos(0), "0 ns");
  EXPECT_EQ(Nanos(850), "850 ns");
  EXPECT_EQ(Nanos(12300), "12.3 us");
  EXPECT_EQ(Nanos(4560000), "4.56 ms");
  EXPECT_EQ(Nanos(1230000000), "1.23 s");
  EXPECT_EQ(Bytes(512), "512 B");
  EXPECT_EQ(Bytes(1536), "1.5 KiB");
  EXPECT_EQ(Bytes(262144), "256.0 KiB");
  EXPECT_EQ(Bytes(3 * 1024 * 1024), "3.0 MiB");
  EXPECT_EQ(Uptime(int64_t{45} * 1000000000), "45s");
  EXPECT_EQ(Uptime(int64_t{185} * 1000000000), "3m 05s");
  EXPECT_EQ(Uptime(int64_t{7260} * 1000000000), "2h 01m");
}

TEST(UnitsTest, TypeNamesAndPercent) {
  EXPECT_EQ(TypeName(v1::LIST), "list");
  EXPECT_EQ(TypeName(v1::OBJECT), "object");
  EXPECT_EQ(TypeName(99), "type<99>");
  EXPECT_EQ(Percent(1, 4), "25.0");
  EXPECT_EQ(Percent(1, 0), "0.0");
}

}  // namespace
}  // namespace heapd::heapctl
