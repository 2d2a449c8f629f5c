#include "client/heapctl/suggest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

TEST(EditDistanceTest, CountsEditsAndAdjacentSwaps) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("stats", "stats"), 0u);
  EXPECT_EQ(EditDistance("stts", "stats"), 1u);       // a deletion
  EXPECT_EQ(EditDistance("statss", "stats"), 1u);     // an insertion
  EXPECT_EQ(EditDistance("stbts", "stats"), 1u);      // a substitution
  EXPECT_EQ(EditDistance("sesison", "session"), 1u);  // a swap
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "top"), 3u);
  EXPECT_EQ(EditDistance("ca", "abc"), 3u);  // no substring edited twice
}

TEST(NearestTest, SuggestsOnlyWhatIsNear) {
  const std::vector<std::string> commands = {"session", "stats", "top",
                                             "doctor", "dot"};
  EXPECT_EQ(Nearest("stts", commands), "stats");
  EXPECT_EQ(Nearest("sesion", commands), "session");
  EXPECT_EQ(Nearest("doctr", commands), "doctor");
  EXPECT_EQ(Nearest("tpo", commands), "top");
  // Short words: one edit at most ("dog" is "dot" with one changed).
  EXPECT_EQ(Nearest("dog", commands), "dot");
  EXPECT_EQ(Nearest("xyz", commands), std::nullopt);
  EXPECT_EQ(Nearest("bogus", commands), std::nullopt);
  EXPECT_EQ(Nearest("anything", {}), std::nullopt);
}

TEST(DidYouMeanTest, QuotesTheSuggestion) {
  EXPECT_EQ(DidYouMean("stts", {"stats"}), ": did you mean \"stats\"?");
  EXPECT_EQ(DidYouMean("sesion", {"session"}, "--"),
            ": did you mean \"--session\"?");
  EXPECT_EQ(DidYouMean("bogus", {"stats"}), "");
}

}  // namespace
}  // namespace heapd::heapctl
