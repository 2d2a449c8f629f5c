// Caller: who a request comes from, as access control sees it.
//
// Without --auth_tokens every request comes from the same anonymous caller,
// who may do everything (the default a single-user or loopback server
// wants). With it, `identity` is the name the tokens file gives the bearer
// token and `admin` its role (access_control.h); a session belongs to the
// identity that opened it.
#ifndef HEAPD_SERVER_CALLER_H_
#define HEAPD_SERVER_CALLER_H_

#include <string>

namespace heapd {

struct Caller {
  // "" for the anonymous caller of a server without access control.
  std::string identity;
  // May change the collector's configuration, freeze, run full
  // collections, verify, and close other identities' sessions.
  bool admin = true;
};

}  // namespace heapd

#endif  // HEAPD_SERVER_CALLER_H_
