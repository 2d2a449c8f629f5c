#!/usr/bin/python3
"""Counts one `bazel test` run's results from its build event file.

    tools/test_results.py FILE    (FILE from --build_event_json_file=FILE)

Prints "PASSED FAILED" on stdout and, on stderr, one line for each thing
that counts as failed:

  - a test whose testSummary's overallStatus is not PASSED (FAILED,
    TIMEOUT, FLAKY, INCOMPLETE, NO_STATUS, ...; the JSON leaves NO_STATUS,
    the enum's default, out);
  - a test with no testSummary at all: it did not build, or the build
    stopped before it ran;
  - any other target that failed to build (a completed event without
    success, or an aborted one with a reason);
  - when nothing above counted but Bazel's exit code (the buildFinished
    event) is not 0, or there is no buildFinished event: one failure, the
    build as a whole.
"""

import json
import sys


def read_events(path):
    events = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                events.append(json.loads(line))
    return events


def event_kind(event):
    """The id's one key: testSummary, targetCompleted, buildFinished, ..."""
    return next(iter(event["id"]))


def count(events):
    """Returns (passed, failures): failures as (label, why) pairs."""
    tests = set()
    summaries = {}
    broken_builds = {}
    finished = None
    for event in events:
        kind = event_kind(event)
        label = event["id"][kind].get("label", "")
        if kind == "targetConfigured":
            configured = event.get("configured", {})
            if "testSize" in configured or configured.get(
                    "targetKind", "").endswith("_test rule"):
                tests.add(label)
        elif kind == "testSummary":
            # An aborted summary (the build stopped before the test ran)
            # carries no testSummary payload.
            summaries.setdefault(label, []).append(
                event.get("testSummary", {}).get("overallStatus",
                                                 "NO_STATUS"))
        elif kind == "targetCompleted":
            if "aborted" in event:
                reason = event["aborted"].get("reason")
                if reason or label in tests:
                    broken_builds[label] = "aborted: " + (
                        reason or "the build stopped before it")
            elif not event.get("completed", {}).get("success", False):
                broken_builds[label] = "failed to build"
        elif kind == "buildFinished":
            finished = event.get("finished", {})
        if "aborted" in event and event["aborted"].get("description"):
            print("tools/test_results: " + event["aborted"]["description"],
                  file=sys.stderr)

    passed = 0
    failures = []
    for label, statuses in sorted(summaries.items()):
        for status in statuses:
            if status == "PASSED":
                passed += 1
            else:
                failures.append((label, status))
    for label, why in sorted(broken_builds.items()):
        if label not in summaries:
            failures.append((label, why))
    for label in sorted(tests - summaries.keys() - broken_builds.keys()):
        failures.append((label, "NO_STATUS: did not run"))

    if not failures:
        if finished is None:
            failures.append(("bazel", "no buildFinished event: Bazel stopped"))
        else:
            exit_code = finished.get("exitCode", {})
            if exit_code.get("code", 0) != 0:
                failures.append(
                    ("bazel", "exit code %d (%s)" %
                     (exit_code["code"], exit_code.get("name", "?"))))
    return passed, failures


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        events = read_events(argv[1])
    except (OSError, ValueError) as error:
        print("tools/test_results: %s: %s" % (argv[1], error), file=sys.stderr)
        print("0 1")
        return 0
    passed, failures = count(events)
    for label, why in failures:
        print("FAILED  %s  %s" % (label, why), file=sys.stderr)
    print("%d %d" % (passed, len(failures)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
