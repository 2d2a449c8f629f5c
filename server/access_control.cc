#include "server/access_control.h"

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace heapd::server {
namespace {

constexpr size_t kMinToken = 16;
constexpr size_t kMaxToken = 256;
constexpr absl::string_view kBearer = "Bearer ";

// Equal in time that depends only on the lengths, not on where a guess
// first differs.
bool SameSecret(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    differ |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return differ == 0;
}

bool Printable(absl::string_view token) {
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<AccessControl> AccessControl::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the tokens file '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

absl::StatusOr<AccessControl> AccessControl::Parse(absl::string_view text,
                                                   absl::string_view filename) {
  AccessControl access;
  absl::flat_hash_set<std::string> identities;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(filename, ":", line_number, ": ", why));
    };
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (words.size() < 2 || words.size() > 3) {
      return bad("expected 'TOKEN ROLE [IDENTITY]'");
    }
    const absl::string_view token = words[0];
    if (token.size() < kMinToken || token.size() > kMaxToken ||
        !Printable(token)) {
      return bad(absl::StrCat("a token is ", kMinToken, " to ", kMaxToken,
                              " printable characters"));
    }
    Entry entry;
    entry.token = std::string(token);
    if (words[1] == "admin") {
      entry.caller.admin = true;
    } else if (words[1] == "client") {
      entry.caller.admin = false;
    } else {
      return bad(absl::StrCat("unknown role '", words[1],
                              "': expected client or admin"));
    }
    entry.caller.identity = words.size() == 3
                                ? std::string(words[2])
                                : absl::StrCat("token-", line_number);
    for (const Entry& other : access.entries_) {
      if (other.token == entry.token) return bad("this token is listed twice");
    }
    if (!identities.insert(entry.caller.identity).second) {
      return bad(absl::StrCat("identity '", entry.caller.identity,
                              "' is listed twice"));
    }
    entry.caller.tenant = static_cast<uint32_t>(access.entries_.size() + 1);
    access.entries_.push_back(std::move(entry));
  }
  if (access.entries_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(filename, ": no tokens (every request would be refused)"));
  }
  return access;
}

absl::StatusOr<Caller> AccessControl::Authenticate(
    absl::string_view authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "this server requires a bearer token: send metadata "
        "'authorization: Bearer <token>'");
  }
  if (!absl::StartsWith(authorization, kBearer)) {
    return absl::UnauthenticatedError(
        "the authorization metadata must be 'Bearer <token>'");
  }
  const absl::string_view token = authorization.substr(kBearer.size());
  const Caller* found = nullptr;
  // Every entry is compared, so the time taken does not say which matched.
  for (const Entry& entry : entries_) {
    if (SameSecret(entry.token, token)) found = &entry.caller;
  }
  if (found == nullptr) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  return *found;
}

}  // namespace heapd::server
