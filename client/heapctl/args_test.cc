#include "client/heapctl/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::ElementsAre;

TEST(ParseArgsTest, FlagsBeforeAndAfterTheCommandAreTheSame) {
  absl::StatusOr<Args> before = ParseArgs({"--server=h:1", "stats", "--json"});
  absl::StatusOr<Args> after =
      ParseArgs({"stats", "--server", "h:1", "--json"});
  ASSERT_TRUE(before.ok() && after.ok());
  for (const Args* args : {&*before, &*after}) {
    EXPECT_EQ(args->command, "stats");
    EXPECT_TRUE(args->words.empty());
    EXPECT_EQ(args->Flag("server"), "h:1");
    EXPECT_TRUE(*args->Switch("json"));
  }
}

TEST(ParseArgsTest, WordsFollowTheCommandAndDoubleDashEndsFlags) {
  absl::StatusOr<Args> args =
      ParseArgs({"session", "open", "--ttl", "10m", "--", "--odd"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->command, "session");
  EXPECT_THAT(args->words, ElementsAre("open", "--odd"));
  EXPECT_EQ(*args->Duration("ttl", absl::ZeroDuration(), absl::Milliseconds(1)),
            absl::Minutes(10));
}

TEST(ParseArgsTest, ValuesAreChecked) {
  absl::StatusOr<Args> args = ParseArgs(
      {"x", "--count=7", "--length=abc", "--json=maybe", "--ttl=250"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(*args->Int("count", 1), 7);
  EXPECT_EQ(*args->Int("missing", 3), 3);
  EXPECT_FALSE(args->Int("length", 0).ok());
  EXPECT_FALSE(args->Switch("json").ok());
  EXPECT_FALSE(*args->Switch("absent"));
  // A bare number is in the given unit.
  EXPECT_EQ(*args->Duration("ttl", absl::ZeroDuration(), absl::Milliseconds(1)),
            absl::Milliseconds(250));
  EXPECT_FALSE(args->OptionalInt("missing")->has_value());
}

TEST(ParseArgsTest, MalformedCommandLines) {
  EXPECT_FALSE(ParseArgs({"stats", "--server"}).ok());
  EXPECT_FALSE(ParseArgs({"stats", "--=x"}).ok());
}

TEST(ParseArgsTest, CheckFlagsNamesTheUnknownOne) {
  absl::StatusOr<Args> args =
      ParseArgs({"stats", "--server=a", "--json", "--fresh", "--bogus"});
  ASSERT_TRUE(args.ok());
  const absl::Status status = args->CheckFlags({"fresh"});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("--bogus"));
  EXPECT_TRUE(args->CheckFlags({"fresh", "bogus"}).ok());
}

TEST(ParseHandleTest, DecimalAndHex) {
  EXPECT_EQ(*ParseHandle("4294967296"), 4294967296u);
  EXPECT_EQ(*ParseHandle("0x100000000"), 4294967296u);
  EXPECT_FALSE(ParseHandle("abc").ok());
  EXPECT_FALSE(ParseHandle("-1").ok());
}

}  // namespace
}  // namespace heapd::heapctl
