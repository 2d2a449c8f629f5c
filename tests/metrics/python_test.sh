#!/usr/bin/env bash
# Runs a test written in Python with Debian's interpreter, which sees
# Debian's python3-* packages: python_test.sh SCRIPT ARGS...
exec /usr/bin/python3 "$@"
