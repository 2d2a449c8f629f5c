// What heapctl says when it cannot reach heapd: nothing listening, an
// address that is not HOST:PORT, a gRPC server that is not heapd; and
// HEAPD_SERVER choosing the address when --server does not.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/heapctl_runner.h"
#include "tests/grpc_health.grpc.pb.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A port nothing listens on: one the OS gave a socket that is closed again.
std::string ClosedAddress() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
}

TEST(ConnectionErrorsTest, NothingListeningSaysWhatToDo) {
  const std::string address = ClosedAddress();
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
  // A gRPC server with the health service only.
  grpc::health::v1::Health::Service health;
  grpc::ServerBuilder builder;
  builder.RegisterService(&health);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  const std::string address = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<CommandResult> result =
      RunHeapctl({"ping", "--server=" + address});
  server->Shutdown();
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
  const std::string closed = ClosedAddress();
  result = RunHeapctl({"ping", "--server=" + closed});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->err, HasSubstr("nothing listens on " + closed));
}

}  // namespace
}  // namespace heapd
