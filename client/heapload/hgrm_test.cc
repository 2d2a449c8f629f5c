#include "client/heapload/hgrm.h"

#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapload {
namespace {

using ::testing::HasSubstr;

struct Row {
  double value = 0, percentile = 0;
  int64_t count = 0;
  std::string inverse;  // empty on the last row
};

std::vector<Row> Rows(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  std::vector<Row> rows;
  for (size_t i = 2; i < lines.size(); ++i) {
    if (lines[i].empty() || lines[i][0] == '#') break;
    std::vector<std::string> f =
        absl::StrSplit(lines[i], ' ', absl::SkipEmpty());
    EXPECT_TRUE(f.size() == 3 || f.size() == 4) << lines[i];
    Row row;
    EXPECT_TRUE(absl::SimpleAtod(f[0], &row.value));
    EXPECT_TRUE(absl::SimpleAtod(f[1], &row.percentile));
    EXPECT_TRUE(absl::SimpleAtoi(f[2], &row.count));
    if (f.size() == 4) row.inverse = f[3];
    rows.push_back(row);
  }
  return rows;
}

TEST(HgrmTest, HeaderRowsAndFooterAreHdrHistograms) {
  ResponseTimeHistogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(i * 1000);  // 1 us .. 1 ms
  const std::string text = HgrmReport(h);
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "       Value     Percentile TotalCount 1/(1-Percentile)");
  EXPECT_EQ(text.substr(text.find('\n') + 1, 1), "\n");
  // HdrHistogram's levels: 0, 10 ... 50, 55 ... 75, 77.5 ...
  EXPECT_THAT(text, HasSubstr(" 0.000000000000 "));
  EXPECT_THAT(text, HasSubstr(" 0.100000000000 "));
  EXPECT_THAT(text, HasSubstr(" 0.550000000000 "));
  EXPECT_THAT(text, HasSubstr(" 0.775000000000 "));
  // The median is within the histogram's error of 500 us, and the count is
  // of the values up to its bucket's highest (HdrHistogram's TotalCount).
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "\n +50[0-2]\\.[0-9]{3} 0\\.500000000000 +50[0-2] "
                        "+2\\.00\n"));
  const std::vector<Row> rows = Rows(text);
  ASSERT_GT(rows.size(), 20u);
  for (size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i].value, rows[i - 1].value);
    EXPECT_GT(rows[i].percentile, rows[i - 1].percentile - 1e-12);
    EXPECT_GE(rows[i].count, rows[i - 1].count);
  }
  EXPECT_EQ(rows.back().percentile, 1.0);
  EXPECT_EQ(rows.back().count, 1000);
  EXPECT_TRUE(rows.back().inverse.empty());
  EXPECT_NEAR(rows.back().value, 1000.0, 1e-9);
  EXPECT_THAT(text, HasSubstr("#[Mean    =      500.500, StdDeviation   = "));
  EXPECT_THAT(text, HasSubstr("#[Max     =     1000.000, Total count    = "
                              "        1000]\n"));
  EXPECT_THAT(text, HasSubstr("#[Buckets =           56, SubBuckets     = "
                              "         256]\n"));
}

TEST(HgrmTest, OneValue) {
  ResponseTimeHistogram h;
  h.Record(2500);
  const std::vector<Row> rows = Rows(HgrmReport(h));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].percentile, 0.0);
  EXPECT_EQ(rows[1].percentile, 1.0);
  EXPECT_EQ(rows[1].count, 1);
  EXPECT_NEAR(rows[1].value, 2.5, 1e-9);
}

TEST(HgrmTest, EmptyHasTheFooterOnly) {
  const std::string text = HgrmReport(ResponseTimeHistogram());
  EXPECT_TRUE(Rows(text).empty());
  EXPECT_THAT(text, HasSubstr("Total count    =            0]"));
}

}  // namespace
}  // namespace heapd::heapload
