// heapctl's command line before any call to heapd: misspelt commands and
// flags get the nearest name and a pointer to `heapctl help`, not the whole
// overview.
#include "client/heapctl/cli.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code;
  std::string out;
  std::string err;
};

Outcome Heapctl(const std::vector<std::string>& argv) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunHeapctl(argv, out, err);
  return {code, out.str(), err.str()};
}

TEST(CliTest, MisspeltCommandSuggestsTheNearest) {
  const Outcome outcome = Heapctl({"stts"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_EQ(outcome.err,
            "heapctl: unknown command \"stts\": did you mean \"stats\"?\n"
            "(heapctl help lists the commands)\n");
  EXPECT_EQ(outcome.out, "");
}

TEST(CliTest, MisspeltCommandsOfEveryKind) {
  EXPECT_THAT(Heapctl({"sesion", "open"}).err,
              HasSubstr("did you mean \"session\"?"));
  EXPECT_THAT(Heapctl({"doctr"}).err, HasSubstr("did you mean \"doctor\"?"));
  EXPECT_THAT(Heapctl({"hlep"}).err, HasSubstr("did you mean \"help\"?"));
  EXPECT_THAT(Heapctl({"help", "alocc"}).err,
              HasSubstr("unknown command \"alocc\": did you mean \"alloc\"?"));
}

TEST(CliTest, FarFromEveryCommandIsTwoLines) {
  const Outcome outcome = Heapctl({"bogus"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_EQ(outcome.err,
            "heapctl: unknown command \"bogus\"\n"
            "(heapctl help lists the commands)\n");
}

TEST(CliTest, MisspeltFlagSuggestsTheNearest) {
  const Outcome outcome =
      Heapctl({"alloc", "list", "--sesion=x", "--server=127.0.0.1:1"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_THAT(outcome.err,
              HasSubstr("heapctl: unknown flag --sesion for 'alloc': did you "
                        "mean \"--session\"?\n"));
  // A common flag is found too.
  EXPECT_THAT(Heapctl({"ping", "--sever=127.0.0.1:1"}).err,
              HasSubstr("did you mean \"--server\"?"));
  // Nothing near: no suggestion.
  EXPECT_THAT(Heapctl({"stats", "--frobnicate"}).err,
              HasSubstr("unknown flag --frobnicate for 'stats'\n"));
}

TEST(CliTest, MalformedCommandLineIsShort) {
  const Outcome outcome = Heapctl({"stats", "--server"});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_EQ(outcome.err,
            "heapctl: --server needs a value\n"
            "(heapctl help lists the commands)\n");
}

TEST(CliTest, NoCommandStillShowsTheOverview) {
  const Outcome outcome = Heapctl({});
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_THAT(outcome.err, HasSubstr("usage: heapctl"));
  EXPECT_THAT(outcome.err, HasSubstr("  doctor "));
}

}  // namespace
}  // namespace heapd::heapctl
