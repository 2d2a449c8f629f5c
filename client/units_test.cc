#include "client/units.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace heapd::client {
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
  EXPECT_EQ(Nanos(-4560000), "-4.56 ms");
  EXPECT_EQ(Bytes(512), "512 B");
  EXPECT_EQ(Bytes(1536), "1.5 KiB");
  EXPECT_EQ(Bytes(262144), "256.0 KiB");
  EXPECT_EQ(Bytes(3 * 1024 * 1024), "3.0 MiB");
  EXPECT_EQ(Uptime(int64_t{45} * 1000000000), "45s");
  EXPECT_EQ(Uptime(int64_t{185} * 1000000000), "3m 05s");
  EXPECT_EQ(Uptime(int64_t{7260} * 1000000000), "2h 01m");
}

// heapload's report passes means and other fractions of a nanosecond.
TEST(UnitsTest, NanosOfFractions) {
  EXPECT_EQ(Nanos(123.4), "123 ns");
  EXPECT_EQ(Nanos(0.4), "0 ns");
  EXPECT_EQ(Nanos(2900.0), "2.9 us");
  EXPECT_EQ(Nanos(4.2e3), "4.2 us");
  EXPECT_EQ(Nanos(1234567.8), "1.23 ms");
}

// A value that rounds up to the next unit is written in that unit, and
// seconds never turn into an exponent.
TEST(UnitsTest, NanosAtUnitBoundaries) {
  EXPECT_EQ(Nanos(999), "999 ns");
  EXPECT_EQ(Nanos(999.7), "1 us");
  EXPECT_EQ(Nanos(999999), "1 ms");
  EXPECT_EQ(Nanos(999999999), "1 s");
  EXPECT_EQ(Nanos(-999999), "-1 ms");
  EXPECT_EQ(Nanos(1234.6e9), "1235 s");
  EXPECT_EQ(Nanos(int64_t{3600} * 1000000000), "3600 s");
}

TEST(UnitsTest, TypeNamesAndPercent) {
  EXPECT_EQ(TypeName(v1::LIST), "list");
  EXPECT_EQ(TypeName(v1::OBJECT), "object");
  EXPECT_EQ(TypeName(99), "type<99>");
  EXPECT_EQ(Percent(1, 4), "25.0");
  EXPECT_EQ(Percent(1, 0), "0.0");
}

}  // namespace
}  // namespace heapd::client
