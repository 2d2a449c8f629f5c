// InvariantBroken: what a Verify returns when one of its invariants does not
// hold, for the allocator's Verify and the object heap's alike.
#ifndef HEAPD_HEAP_OBMALLOC_INVARIANT_H_
#define HEAPD_HEAP_OBMALLOC_INVARIANT_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace heapd::obmalloc {

// INTERNAL: "<part> invariant broken: <format applied to args>".
template <typename... Args>
absl::Status InvariantBroken(absl::string_view part,
                             const absl::FormatSpec<Args...>& format,
                             const Args&... args) {
  return absl::InternalError(absl::StrCat(
      part, " invariant broken: ", absl::StrFormat(format, args...)));
}

}  // namespace heapd::obmalloc

#endif  // HEAPD_HEAP_OBMALLOC_INVARIANT_H_
