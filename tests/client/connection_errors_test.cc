// What heapctl says when it cannot reach heapd: nothing listening, an
// address that is not HOST:PORT, a gRPC server that is not heapd; and
// HEAPD_SERVER choosing the address when --server does not.
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/heapctl_runner.h"
#include "tests/heapd_test_fixture.h"
#include "tests/stand_in_servers.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConnectionErrorsTest, NothingListeningSaysWhatToDo) {
  const std::string address = ClosedLoopbackAddress();
  absl::StatusOr<CommandResult> result =
      RunHeapctl({"stats", "--server=" + address});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->exit_code, 0);
  EXPECT_THAT(result->err,
              HasSubstr(absl::StrCat("nothing listens on ", address,
                                     ": is heapd running? (tools/run)")));
  EXPECT_THAT(result->err, HasSubstr("HEAPD_SERVER"));
}

TEST(ConnectionErrorsTest, AnAddressWithoutAPortSaysHostPortExpected) {
  for (const char* address : {"41861", "127.0.0.1", "127.0.0.1:0"}) {
    SCOPED_TRACE(address);
    absl::StatusOr<CommandResult> result =
        RunHeapctl({"ping", absl::StrCat("--server=", address)});
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->exit_code, 2);
    EXPECT_THAT(result->err, HasSubstr(absl::StrCat("'", address, "'")));
    EXPECT_THAT(result->err, Not(HasSubstr("DNS")));
  }
}

TEST(ConnectionErrorsTest, AServerThatIsNotHeapdIsNamedSo) {
  NotHeapdServer server;
  const std::string address = server.address();
  ASSERT_FALSE(address.empty());
  absl::StatusOr<CommandResult> result =
      RunHeapctl({"ping", "--server=" + address});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->exit_code, 0);
  EXPECT_THAT(result->err,
              HasSubstr(absl::StrCat("the server at ", address,
                                     " is not heapd: it does not serve "
                                     "heapd.v1.Heap/Ping")));
}

class HeapdServerVariableTest : public HeapdTest {
 protected:
  HeapdServerVariableTest() : HeapdTest(std::chrono::seconds(30)) {}
  void SetUp() override { Start({}); }
  void TearDown() override {
    unsetenv("HEAPD_SERVER");
    HeapdTest::TearDown();
  }
};

TEST_F(HeapdServerVariableTest, ChoosesTheAddressWhenNoFlagDoes) {
  setenv("HEAPD_SERVER", address_.c_str(), 1);
  absl::StatusOr<CommandResult> result = RunHeapctl({"ping"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->err;

  // --server still wins over the variable.
  const std::string closed = ClosedLoopbackAddress();
  result = RunHeapctl({"ping", "--server=" + closed});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->err, HasSubstr("nothing listens on " + closed));
}

}  // namespace
}  // namespace heapd
