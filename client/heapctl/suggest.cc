#include "client/heapctl/suggest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace heapd::heapctl {

size_t EditDistance(absl::string_view a, absl::string_view b) {
  // Three rows of the dynamic programme: a swap looks two rows back.
  std::vector<size_t> two_back(b.size() + 1), previous(b.size() + 1),
      current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], two_back[j - 2] + 1);
      }
    }
    std::swap(two_back, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::optional<std::string> Nearest(absl::string_view typed,
                                   const std::vector<std::string>& candidates) {
  const size_t limit = typed.size() <= 4 ? 1 : 2;
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& candidate : candidates) {
    const size_t distance = EditDistance(typed, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string DidYouMean(absl::string_view typed,
                       const std::vector<std::string>& candidates,
                       absl::string_view prefix) {
  std::optional<std::string> nearest = Nearest(typed, candidates);
  if (!nearest.has_value()) return "";
  return absl::StrCat(": did you mean \"", prefix, *nearest, "\"?");
}

}  // namespace heapd::heapctl
