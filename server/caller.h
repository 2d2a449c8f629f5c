// Caller: who a request comes from, as access control sees it.
//
// Without --auth_tokens every request comes from the same anonymous caller,
// who may do everything (the default a single-user or loopback server
// wants). With it, `identity` is the name the tokens file gives the bearer
// token and `admin` its role (access_control.h); a session belongs to the
// identity that opened it.
#ifndef HEAPD_SERVER_CALLER_H_
#define HEAPD_SERVER_CALLER_H_

#include <cstdint>
#include <string>

namespace heapd::server {

struct Caller {
  // "" for the anonymous caller of a server without access control.
  std::string identity;
  // May change the collector's configuration, freeze, run full
  // collections, verify, and close other identities' sessions; names and
  // sees every identity's objects.
  bool admin = true;
  // The heap's name for the identity (objects::TenantId): its line's rank
  // among the tokens file's entries, from 1; 0 for the anonymous caller.
  uint32_t tenant = 0;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_CALLER_H_
