#include "client/client_security.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace heapd::client {
namespace {

// Every flag name has a field of its own, so a parser that stores flags by
// name fills each one once.
TEST(ClientSecurityTest, EveryFlagNameHasItsOwnField) {
  SecurityFlags flags;
  std::set<std::string*> fields;
  for (const char* name : kSecurityFlagNames) {
    std::string* field = SecurityFlagField(&flags, name);
    ASSERT_NE(field, nullptr) << name;
    *field = name;
    fields.insert(field);
  }
  EXPECT_EQ(fields.size(), std::size(kSecurityFlagNames));
  EXPECT_EQ(flags.tls_ca, "tls_ca");
  EXPECT_EQ(flags.tls_cert, "tls_cert");
  EXPECT_EQ(flags.tls_key, "tls_key");
  EXPECT_EQ(flags.tls_server_name, "tls_server_name");
  EXPECT_EQ(flags.token_file, "token_file");
  EXPECT_EQ(SecurityFlagField(&flags, "server"), nullptr);
}

TEST(ClientSecurityTest, TlsOnlyWithATlsFlag) {
  SecurityFlags flags;
  flags.token_file = "token";
  EXPECT_FALSE(WantsTls(flags));
  flags.tls_server_name = "heapd.example";
  EXPECT_TRUE(WantsTls(flags));
}

}  // namespace
}  // namespace heapd::client
