#include "server/access_control.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;

constexpr char kFile[] =
    "# token role identity\n"
    "\n"
    "aaaaaaaaaaaaaaaaaaaaaaaa admin operator\n"
    "bbbbbbbbbbbbbbbbbbbbbbbb client dashboard\n"
    "   cccccccccccccccccccccccc   client   \n";

TEST(AccessControlTest, TokensMapToIdentitiesAndRoles) {
  absl::StatusOr<AccessControl> access = AccessControl::Parse(kFile, "t");
  ASSERT_TRUE(access.ok()) << access.status();
  EXPECT_EQ(access->size(), 3u);
  absl::StatusOr<Caller> op =
      access->Authenticate("Bearer aaaaaaaaaaaaaaaaaaaaaaaa");
  ASSERT_TRUE(op.ok());
  EXPECT_EQ(op->identity, "operator");
  EXPECT_TRUE(op->admin);
  absl::StatusOr<Caller> dash =
      access->Authenticate("Bearer bbbbbbbbbbbbbbbbbbbbbbbb");
  ASSERT_TRUE(dash.ok());
  EXPECT_EQ(dash->identity, "dashboard");
  EXPECT_FALSE(dash->admin);
  absl::StatusOr<Caller> unnamed =
      access->Authenticate("Bearer cccccccccccccccccccccccc");
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(unnamed->identity, "token-5");
}

TEST(AccessControlTest, MissingMalformedAndUnknownTokensAreUnauthenticated) {
  absl::StatusOr<AccessControl> access = AccessControl::Parse(kFile, "t");
  ASSERT_TRUE(access.ok());
  for (const char* header :
       {"", "aaaaaaaaaaaaaaaaaaaaaaaa", "Basic aaaaaaaaaaaaaaaaaaaaaaaa",
        "Bearer aaaaaaaaaaaaaaaaaaaaaaab", "Bearer aaaa", "Bearer "}) {
    absl::StatusOr<Caller> caller = access->Authenticate(header);
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kUnauthenticated)
        << header;
    // The token itself never appears in a message.
    EXPECT_THAT(caller.status().message(), testing::Not(HasSubstr("aaaaaaaa")));
  }
}

TEST(AccessControlTest, BadFilesNameTheLine) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"short admin\n", "t:1: a token is 16 to 256"},
      {"aaaaaaaaaaaaaaaaaaaaaaaa\n", "t:1: expected 'TOKEN ROLE"},
      {"aaaaaaaaaaaaaaaaaaaaaaaa root x\n", "t:1: unknown role 'root'"},
      {"aaaaaaaaaaaaaaaaaaaaaaaa admin x y\n", "t:1: expected"},
      {"aaaaaaaaaaaaaaaaaaaaaaaa admin x\n#\n"
       "aaaaaaaaaaaaaaaaaaaaaaaa client y\n",
       "t:3: this token is listed twice"},
      {"aaaaaaaaaaaaaaaaaaaaaaaa admin x\n"
       "bbbbbbbbbbbbbbbbbbbbbbbb client x\n",
       "t:2: identity 'x' is listed twice"},
      {"# nothing\n", "no tokens"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<AccessControl> access = AccessControl::Parse(c.text, "t");
    ASSERT_FALSE(access.ok()) << c.text;
    EXPECT_EQ(access.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(access.status().message(), HasSubstr(c.message)) << c.text;
  }
  EXPECT_EQ(AccessControl::FromFile("/nonexistent/tokens").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace heapd::server
