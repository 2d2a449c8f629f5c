// A load schedule: how the number of calls in flight (closed loop) or the
// rate (open loop) changes over a run, in the manner of ghz's
// --load-schedule.
//
// Syntax (--schedule for calls in flight, --rate_schedule for the rate):
//   step:start=A,end=B,step=S,every=D   A, then A+S, A+2S ... every D, up to B
//                                       (or down to B when B < A); the last
//                                       step holds B
//   line:start=A,end=B,over=D           from A to B in a straight line over D,
//                                       then B
// Time is counted from the end of the warm-up; the warm-up runs at A. The
// schedule's length (steps * every, or over) is the run's --duration unless
// one is given, after which the last level holds.
//
// Example:
//   absl::StatusOr<Schedule> s = ParseSchedule(
//       "schedule", "step:start=8,end=32,step=8,every=5s", /*integer=*/true);
//   s->LevelAt(absl::Seconds(12));  // 24: the third step
//   s->StageAt(absl::Seconds(12));  // 2
#ifndef HEAPD_CLIENT_HEAPLOAD_SCHEDULE_H_
#define HEAPD_CLIENT_HEAPLOAD_SCHEDULE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace heapd::heapload {

struct Schedule {
  enum class Kind { kNone, kStep, kLine };
  Kind kind = Kind::kNone;
  double start = 0;
  double end = 0;
  // kStep: the size of a step (positive) and its length.
  double step = 0;
  absl::Duration every = absl::ZeroDuration();
  // kLine: the time from start to end.
  absl::Duration over = absl::ZeroDuration();
  // The flag's value as given, for the reports.
  std::string text;

  bool active() const { return kind != Kind::kNone; }
  // The number of stages: the steps of kStep, 1 for kLine (0 for kNone).
  int stages() const;
  // Time until the last level is reached and has had its step: steps *
  // every, or over.
  absl::Duration length() const;
  // The level at `t` after the warm-up (t < 0: the warm-up, at start).
  // Integer schedules round down.
  double LevelAt(absl::Duration t) const;
  // The stage at `t`: the step's index from 0 (the last step's after the
  // schedule's end), 0 for kLine and kNone.
  int StageAt(absl::Duration t) const;

  // Whole levels (calls in flight) rather than rates.
  bool integer = false;
};

// Parses `text` as --`flag`; `integer`: levels are calls in flight (whole,
// >= 1), else rates (> 0). INVALID_ARGUMENT says what is wrong and shows the
// syntax.
absl::StatusOr<Schedule> ParseSchedule(absl::string_view flag,
                                       absl::string_view text, bool integer);

}  // namespace heapd::heapload

#endif  // HEAPD_CLIENT_HEAPLOAD_SCHEDULE_H_
