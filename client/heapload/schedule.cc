#include "client/heapload/schedule.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace heapd::heapload {
namespace {

constexpr const char* kSyntax =
    "step:start=A,end=B,step=S,every=D (e.g. step:start=8,end=256,step=8,"
    "every=5s) or line:start=A,end=B,over=D (e.g. line:start=100,end=2000,"
    "over=30s)";

absl::Status Bad(absl::string_view flag, absl::string_view text,
                 absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", text, ": ", why, "; expected ", kSyntax));
}

}  // namespace

int Schedule::stages() const {
  switch (kind) {
    case Kind::kNone:
      return 0;
    case Kind::kLine:
      return 1;
    case Kind::kStep:
      return static_cast<int>(std::ceil(std::fabs(end - start) / step - 1e-9)) +
             1;
  }
  return 0;
}

absl::Duration Schedule::length() const {
  switch (kind) {
    case Kind::kNone:
      return absl::ZeroDuration();
    case Kind::kLine:
      return over;
    case Kind::kStep:
      return every * stages();
  }
  return absl::ZeroDuration();
}

int Schedule::StageAt(absl::Duration t) const {
  if (kind != Kind::kStep || t <= absl::ZeroDuration()) return 0;
  const int64_t index = absl::IDivDuration(t, every, &t);
  return static_cast<int>(std::min<int64_t>(index, stages() - 1));
}

double Schedule::LevelAt(absl::Duration t) const {
  double level = start;
  if (kind == Kind::kStep) {
    const double moved = StageAt(t) * step;
    level = end >= start ? std::min(end, start + moved)
                         : std::max(end, start - moved);
  } else if (kind == Kind::kLine && t > absl::ZeroDuration()) {
    const double done = std::min(1.0, absl::FDivDuration(t, over));
    level = start + (end - start) * done;
  }
  return integer ? std::floor(level) : level;
}

absl::StatusOr<Schedule> ParseSchedule(absl::string_view flag,
                                       absl::string_view text, bool integer) {
  Schedule s;
  s.text = std::string(text);
  s.integer = integer;
  std::pair<absl::string_view, absl::string_view> head =
      absl::StrSplit(text, absl::MaxSplits(':', 1));
  if (head.first == "step") {
    s.kind = Schedule::Kind::kStep;
  } else if (head.first == "line") {
    s.kind = Schedule::Kind::kLine;
  } else {
    return Bad(flag, text,
               absl::StrCat("'", head.first, "' is not step or line"));
  }
  const std::vector<std::string> keys =
      s.kind == Schedule::Kind::kStep
          ? std::vector<std::string>{"start", "end", "step", "every"}
          : std::vector<std::string>{"start", "end", "over"};
  std::map<std::string, std::string> values;
  for (absl::string_view part :
       absl::StrSplit(head.second, ',', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    if (std::find(keys.begin(), keys.end(), kv.first) == keys.end()) {
      return Bad(flag, text,
                 absl::StrCat("'", kv.first, "' is not one of ",
                              absl::StrJoin(keys, ", ")));
    }
    if (values.count(kv.first)) {
      return Bad(flag, text, absl::StrCat(kv.first, " given twice"));
    }
    values[kv.first] = kv.second;
  }
  for (const std::string& key : keys) {
    if (!values.count(key)) return Bad(flag, text, key + "= is missing");
  }
  auto level = [&](const std::string& key, double* out) -> absl::Status {
    const std::string& v = values[key];
    if (!absl::SimpleAtod(v, out) || !std::isfinite(*out)) {
      return Bad(flag, text, absl::StrCat(key, "=", v, " is not a number"));
    }
    if (integer && (*out < 1 || *out != std::floor(*out))) {
      return Bad(flag, text,
                 absl::StrCat(key, "=", v,
                              ": calls in flight are whole numbers >= 1"));
    }
    if (!integer && *out <= 0) {
      return Bad(flag, text, absl::StrCat(key, "=", v, ": rates are > 0"));
    }
    return absl::OkStatus();
  };
  auto duration = [&](const std::string& key,
                      absl::Duration* out) -> absl::Status {
    const std::string& v = values[key];
    double seconds;
    if (absl::SimpleAtod(v, &seconds)) {
      *out = absl::Seconds(seconds);
    } else if (!absl::ParseDuration(v, out)) {
      return Bad(flag, text,
                 absl::StrCat(key, "=", v, " is not a duration (5s, 500ms)"));
    }
    if (*out <= absl::ZeroDuration() || *out == absl::InfiniteDuration()) {
      return Bad(flag, text, absl::StrCat(key, "=", v, " must be > 0"));
    }
    return absl::OkStatus();
  };
  if (absl::Status st = level("start", &s.start); !st.ok()) return st;
  if (absl::Status st = level("end", &s.end); !st.ok()) return st;
  if (s.kind == Schedule::Kind::kStep) {
    if (absl::Status st = level("step", &s.step); !st.ok()) return st;
    if (absl::Status st = duration("every", &s.every); !st.ok()) return st;
    if (s.stages() > 100000) {
      return Bad(flag, text, "more than 100000 steps");
    }
  } else {
    if (absl::Status st = duration("over", &s.over); !st.ok()) return st;
  }
  return s;
}

}  // namespace heapd::heapload
