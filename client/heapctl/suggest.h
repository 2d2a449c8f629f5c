// "Did you mean ...?" for a misspelt command, subcommand or flag: the
// candidate nearest to what was typed by edit distance, if it is near
// enough to be a slip of the keyboard rather than a different word.
//
//   Nearest("stts", {"stats", "session", "top"}) == "stats"
//   Nearest("bogus", {"stats", "session", "top"}) == std::nullopt
//
// Pure functions.
#ifndef HEAPD_CLIENT_HEAPCTL_SUGGEST_H_
#define HEAPD_CLIENT_HEAPCTL_SUGGEST_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace heapd::heapctl {

// The optimal string alignment distance (Damerau-Levenshtein without
// editing a substring twice): the fewest insertions, deletions,
// substitutions and swaps of two adjacent characters that turn `a` into
// `b`. "stts"/"stats" is 1, "sesoin"/"session" 1, "cat"/"act" 1.
size_t EditDistance(absl::string_view a, absl::string_view b);

// The candidate nearest to `typed`, if its distance is at most 1 for words
// of up to 4 characters and at most 2 for longer ones (a third of a short
// word changed is another word); the first of equally near candidates.
std::optional<std::string> Nearest(absl::string_view typed,
                                   const std::vector<std::string>& candidates);

// ": did you mean \"stats\"?" (with `prefix` before the name, e.g. "--"),
// or "" when nothing is near.
std::string DidYouMean(absl::string_view typed,
                       const std::vector<std::string>& candidates,
                       absl::string_view prefix = "");

}  // namespace heapd::heapctl

#endif  // HEAPD_CLIENT_HEAPCTL_SUGGEST_H_
