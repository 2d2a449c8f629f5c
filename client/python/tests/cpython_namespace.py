"""Runs gc_programs.py in this interpreter (real CPython) and prints each
program's figures as one JSON object: {"program": {"figure": value}}.

    python3.12 -I cpython_namespace.py [PROGRAM...]

The namespace `py` the programs take is the interpreter itself: instances
of `class C: pass`, builtins containers, the gc module and sys.
"""
from __future__ import annotations

import gc
import json
import os
import sys
import weakref
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gc_programs  # noqa: E402


class CPythonNamespace:
    def __init__(self) -> None:
        self.gc = gc
        # A class of its own per program: instances of one class share a
        # table of attribute names, and past 30 names CPython gives each
        # instance a dict of its own (another GC object).
        self._class = type("C", (), {})
        self._weak: list[weakref.ref] = []
        # sys.getrefcount counts its argument and, called from here, this
        # frame's parameter: measured once on an object only one name holds.
        self._extra = 0
        alone = self._class()
        self._extra = self.refs(alone) - 1

    # Containers are made at their exact size, as literals and heapd make
    # them (list(iterable) would over-allocate).
    def object(self, weakref: bool = False) -> Any:
        made = self._class()
        if weakref:
            self._weak.append(_weakref(made))
        return made

    def list(self, *items: Any) -> list:
        return [*items].copy()

    def tuple(self, *items: Any) -> tuple:
        return items

    def set(self, *items: Any) -> set:
        made = set()
        for item in items:
            made.add(item)
        return made

    def dict(self) -> dict:
        return {}

    def str(self, value: str) -> str:
        return value

    def int(self, value: int) -> int:
        return value

    def refs(self, x: Any) -> int:
        return sys.getrefcount(x) - 1 - self._extra

    def getsizeof(self, x: Any) -> int:
        return sys.getsizeof(x)

    def alive(self) -> int:
        return sum(w() is not None for w in self._weak)


_weakref = weakref.ref


def run(name: str) -> dict[str, Any]:
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(0)
    gc.set_threshold(700, 10, 10)
    gc.disable()
    gc.collect()
    return gc_programs.PROGRAMS[name](CPythonNamespace())


def main(names: list[str]) -> None:
    results = {name: run(name) for name in names or gc_programs.PROGRAMS}
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1:])
