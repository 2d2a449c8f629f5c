"""The programs of gc_programs.py read the same figures from real CPython
3.12 and from heapd through this package, except where docs/model.md says
the model differs (DEVIATIONS, each with its section)."""
from __future__ import annotations

import glob
import json
import os
import pathlib
import shutil
import subprocess
from typing import Any, Callable, NamedTuple, Optional

import pytest

import gc_programs
import heapd
from heapd._proto import heap_pb2 as pb

HERE = pathlib.Path(__file__).resolve().parent


class Deviation(NamedTuple):
    """A figure heapd reads differently, by design: `heapd(cpython_value)`
    is what heapd must read instead."""
    section: str
    heapd: Callable[[Any], Any]


_ATOMIC = ("docs/model.md, 'Where the object model differs': dicts and "
           "tuples holding only atomic objects stay tracked")
_WEAK = ("docs/model.md, 'Where the object model differs': weak references "
         "are not heap objects, never tracked or counted by the collector")

DEVIATIONS: dict[tuple[str, str], Deviation] = {
    # CPython never tracks a dict of atomic objects; heapd does.
    ("untracked_empty_dict", "empty_dict_tracked"):
        Deviation(_ATOMIC, lambda cpython: True),
    # So such a dict in garbage is counted by heapd's collect(), not
    # CPython's.
    ("atomic_dict_in_garbage", "collected"):
        Deviation(_ATOMIC, lambda cpython: cpython + 1),
    # CPython's two weakref objects are GC objects, counted in generation 0.
    ("weakrefs_in_count0", "count0_delta"):
        Deviation(_WEAK, lambda cpython: cpython - 2),
    # `b = a` names the same proxy: one session reference, not two.
    ("refcounts", "two_names"):
        Deviation("docs/python.md, 'gc and sys': one reference per proxy",
                  lambda cpython: cpython - 1),
}


def compare(program: str, cpython: dict[str, Any], heap: dict[str, Any],
            deviations: dict[tuple[str, str], Deviation] = DEVIATIONS
            ) -> list[str]:
    """Every figure that does not agree, as a line saying both values."""
    problems = []
    for name in sorted(set(cpython) | set(heap)):
        if name not in heap or name not in cpython:
            side = "heapd" if name not in heap else "CPython"
            problems.append(f"{program}.{name}: missing from {side}")
            continue
        expected = cpython[name]
        deviation = deviations.get((program, name))
        if deviation is not None:
            expected = deviation.heapd(expected)
        if heap[name] != expected:
            why = (f" (CPython {cpython[name]}; {deviation.section})"
                   if deviation else "")
            problems.append(f"{program}.{name}: heapd {heap[name]!r}, "
                            f"expected {expected!r}{why}")
    return problems


# -- CPython ------------------------------------------------------------------

def _is_312(command: list[str], env: dict[str, str]) -> bool:
    try:
        done = subprocess.run(
            command + ["-I", "-c", "import sys; print(sys.version_info[:2])"],
            env=env, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == "(3, 12)"


def find_cpython312() -> Optional[tuple[list[str], dict[str, str]]]:
    """$CPYTHON_GC_PYTHON, else pyenv's 3.12.1, else any python3.12 in
    ~/.pyenv or on PATH (as tests/cpython_gc/check_cpython.sh looks)."""
    env = dict(os.environ)
    candidates = []
    if os.environ.get("CPYTHON_GC_PYTHON"):
        candidates.append(os.environ["CPYTHON_GC_PYTHON"])
    env["PYENV_VERSION"] = "3.12.1"
    if shutil.which("python3.12"):
        candidates.append(shutil.which("python3.12"))
    for home in (os.path.expanduser("~"), "/root"):
        candidates += sorted(glob.glob(
            f"{home}/.pyenv/versions/3.12.*/bin/python3.12"))
    for candidate in candidates:
        if _is_312([candidate], env):
            return [candidate], env
    return None


@pytest.fixture(scope="module")
def cpython_figures() -> dict[str, dict[str, Any]]:
    found = find_cpython312()
    if found is None:
        pytest.skip("CPython 3.12 not found (set CPYTHON_GC_PYTHON, or "
                    "install 3.12.1 with pyenv)")
    command, env = found
    done = subprocess.run(
        command + ["-I", str(HERE / "cpython_namespace.py")], env=env,
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- heapd ----------------------------------------------------------------------

class HeapdNamespace:
    """gc_programs' namespace over a heapd session."""

    def __init__(self, heap: heapd.Heap) -> None:
        self._heap = heap
        self.gc = heap.gc
        self._weak_base = self._weakrefs()

    def _weakrefs(self) -> int:
        return self._heap.stats(pb.OBJECTS).objects.weakrefs

    def object(self, weakref: bool = False) -> heapd.ObjectProxy:
        return self._heap.object(weakref=weakref)

    def list(self, *items: heapd.HeapObject) -> heapd.ListProxy:
        return self._heap.list(items)

    def tuple(self, *items: heapd.HeapObject) -> heapd.TupleProxy:
        return self._heap.tuple(items)

    def set(self, *items: heapd.HeapObject) -> heapd.SetProxy:
        return self._heap.set(items)

    def dict(self) -> heapd.DictProxy:
        return self._heap.dict()

    def str(self, value: str) -> heapd.HeapObject:
        return self._heap.str(value)

    def int(self, value: int) -> heapd.HeapObject:
        return self._heap.int(value)

    def refs(self, x: heapd.HeapObject) -> int:
        return self._heap.getrefcount(x)

    def getsizeof(self, x: heapd.HeapObject) -> int:
        return self._heap.getsizeof(x)

    def alive(self) -> int:
        return self._weakrefs() - self._weak_base


def run_on_heapd(heap: heapd.Heap, name: str) -> dict[str, Any]:
    heap.gc.disable()
    heap.gc.collect()
    figures = gc_programs.PROGRAMS[name](HeapdNamespace(heap))
    # As CPython's figures come: through JSON (tuples become lists).
    return json.loads(json.dumps(figures))


@pytest.mark.parametrize("name", sorted(gc_programs.PROGRAMS))
def test_program_reads_as_in_cpython(
        name: str, heap: heapd.Heap,
        cpython_figures: dict[str, dict[str, Any]]) -> None:
    problems = compare(name, cpython_figures[name], run_on_heapd(heap, name))
    assert not problems, "\n".join(problems)


# -- the comparison itself ---------------------------------------------------

def test_compare_finds_a_wrong_figure() -> None:
    assert compare("p", {"collected": 2}, {"collected": 2}) == []
    assert compare("p", {"collected": 2}, {"collected": 3}) == [
        "p.collected: heapd 3, expected 2"]
    assert compare("p", {"t": [0, 1, 0]}, {"t": [0, 0, 1]}) != []
    assert compare("p", {"x": True}, {"x": 1.5}) != []


def test_compare_finds_missing_figures() -> None:
    assert compare("p", {"a": 1, "b": 2}, {"a": 1}) == [
        "p.b: missing from heapd"]
    assert compare("p", {"a": 1}, {"a": 1, "c": 0}) == [
        "p.c: missing from CPython"]


def test_compare_applies_deviations_exactly() -> None:
    deviations = {("p", "n"): Deviation("docs/model.md, 'X'",
                                        lambda c: c + 1)}
    assert compare("p", {"n": 2}, {"n": 3}, deviations) == []
    # The documented difference must be there: agreeing with CPython on a
    # deviating figure is a mismatch too.
    problems = compare("p", {"n": 2}, {"n": 2}, deviations)
    assert problems == ["p.n: heapd 2, expected 3 (CPython 2; "
                        "docs/model.md, 'X')"]
    # Only the figure named.
    assert compare("q", {"n": 2}, {"n": 3}, deviations) != []


def test_every_deviation_names_a_program_figure() -> None:
    for program, figure in DEVIATIONS:
        assert program in gc_programs.PROGRAMS, program
    assert len(gc_programs.PROGRAMS) >= 20
