// AccessControl: bearer tokens, the identities they stand for, and roles.
//
// The tokens file (--auth_tokens FILE) has one token a line:
//
//   # token                            role    identity
//   3f9a0c1e5d7b2a4c6e8f0a1b2c3d4e5f   admin   operator
//   b7d2e9f4a1c8365e0f2d4b6a8c0e1f3a   client  dashboard
//
// Blank lines and lines starting with '#' are ignored. A token is 16 to 256
// printable characters without spaces; the role is `client` (its own
// sessions and objects, Stats, Ping) or `admin` (also SetGcConfig, Freeze,
// Unfreeze, full collections, Verify, closing others' sessions); the
// identity, if left out, is "token-<line>" (the token itself is never
// shown). A token or identity given twice is an error.
//
// Clients send `authorization: Bearer <token>` metadata. Authenticate
// returns the Caller, or UNAUTHENTICATED for a missing, malformed or
// unknown token. Tokens are compared in time independent of where they
// differ, so response times reveal nothing about a guess.
//
// Immutable after construction: thread-safe.
//
// Example:
//   absl::StatusOr<AccessControl> access = AccessControl::FromFile(path);
//   absl::StatusOr<Caller> caller = access->Authenticate("Bearer 3f9a...");
//   // caller->identity == "operator", caller->admin == true
#ifndef HEAPD_SERVER_ACCESS_CONTROL_H_
#define HEAPD_SERVER_ACCESS_CONTROL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/caller.h"

namespace heapd::server {

class AccessControl {
 public:
  // INVALID_ARGUMENT naming `filename`:line for a malformed line; NOT_FOUND
  // or PERMISSION_DENIED (as the OS says) if the file cannot be read.
  static absl::StatusOr<AccessControl> FromFile(const std::string& path);
  static absl::StatusOr<AccessControl> Parse(absl::string_view text,
                                             absl::string_view filename);

  // `authorization` is the metadata value, "Bearer <token>".
  absl::StatusOr<Caller> Authenticate(absl::string_view authorization) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string token;
    Caller caller;
  };
  AccessControl() = default;

  std::vector<Entry> entries_;
};

}  // namespace heapd::server

#endif  // HEAPD_SERVER_ACCESS_CONTROL_H_
