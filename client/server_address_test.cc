#include "client/server_address.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::client {
namespace {

using ::testing::HasSubstr;

TEST(CheckServerAddressTest, AcceptsHostPortAndTargetUris) {
  for (const char* address :
       {"127.0.0.1:50051", "localhost:1", "[::1]:50051", "heapd.example:65535",
        "ipv4:127.0.0.1:50051", "unix:/tmp/heapd.sock", "dns:///h:1"}) {
    EXPECT_TRUE(CheckServerAddress(address).ok()) << address;
  }
}

TEST(CheckServerAddressTest, SaysHostPortExpected) {
  const struct {
    const char* address;
    const char* message;
  } cases[] = {
      {"41861", "'41861': HOST:PORT expected, e.g. 127.0.0.1:41861"},
      {"localhost", "'localhost': HOST:PORT expected, e.g. localhost:50051"},
      {"127.0.0.1:", "HOST:PORT expected, e.g. 127.0.0.1:50051"},
      {":50051", "HOST:PORT expected, e.g. 127.0.0.1:50051"},
      {"h:http", "HOST:PORT expected, e.g. h:50051"},
      {"h:70000", "HOST:PORT expected"},
      {"h:+1", "HOST:PORT expected"},
      {"::1", "HOST:PORT expected"},
      {"[::1]", "HOST:PORT expected"},
      {"", "HOST:PORT expected"},
  };
  for (const auto& c : cases) {
    const absl::Status status = CheckServerAddress(c.address);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.address;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.address;
  }
}

TEST(CheckServerAddressTest, PortZeroIsAServersRequest) {
  const absl::Status status = CheckServerAddress("127.0.0.1:0");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("heapd listening on"));
}

TEST(DefaultServerAddressTest, TheVariableWinsWhenSet) {
  unsetenv("HEAPD_SERVER");
  EXPECT_EQ(DefaultServerAddress(), "127.0.0.1:50051");
  setenv("HEAPD_SERVER", "", 1);
  EXPECT_EQ(DefaultServerAddress(), "127.0.0.1:50051");
  setenv("HEAPD_SERVER", "10.0.0.7:7000", 1);
  EXPECT_EQ(DefaultServerAddress(), "10.0.0.7:7000");
  unsetenv("HEAPD_SERVER");
}

}  // namespace
}  // namespace heapd::client
