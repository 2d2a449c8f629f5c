// Describe(status): a gRPC status as test failure messages print it.
#ifndef HEAPD_TESTS_STATUS_TEXT_H_
#define HEAPD_TESTS_STATUS_TEXT_H_

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace heapd {

// "code 5: no session 's-9' ..." (messages cut at 500 characters, so a
// test that feeds huge input does not print it back whole).
inline std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", status.error_code(), ": ",
                      status.error_message().substr(0, 500));
}

}  // namespace heapd

#endif  // HEAPD_TESTS_STATUS_TEXT_H_
