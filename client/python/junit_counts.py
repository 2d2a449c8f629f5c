#!/usr/bin/python3
"""Prints "PASSED FAILED" for a pytest --junitxml file (skipped tests count
as neither; errors count as failed), and each failed test on stderr.

    client/python/junit_counts.py FILE
"""
import sys
import xml.etree.ElementTree as ElementTree


def main(path: str) -> None:
    passed = failed = 0
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        outcome = {child.tag for child in case}
        if outcome & {"failure", "error"}:
            failed += 1
            print(f"FAILED {case.get('classname')}.{case.get('name')}",
                  file=sys.stderr)
        elif "skipped" not in outcome:
            passed += 1
    print(passed, failed)


if __name__ == "__main__":
    main(sys.argv[1])
