"""The tour of docs/python.md, as written, and what it says of refcounts."""
import pathlib
import re

import pytest

import heapd
from heapd_server import HeapdServer

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "python.md"


def tour_blocks() -> list[str]:
    text = DOCS.read_text()
    section = text.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_the_tour_runs_as_written(
    server: HeapdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = tour_blocks()
    assert blocks, "docs/python.md's tour has no python block"
    monkeypatch.setenv("HEAPD_SERVER", server.address)
    with heapd.connect(ttl=10) as heap:
        heap.gc.collect()  # what earlier tests left must not count
    for block in blocks:
        exec(compile(block, str(DOCS), "exec"), {})


def test_a_cycle_is_collected(heap: heapd.Heap) -> None:
    a = heap.object()
    b = heap.object()
    a.ref = b
    b.ref = a
    del a, b
    assert heap.gc.collect() == 2


def test_refcounts_and_sizes(heap: heapd.Heap) -> None:
    a = heap.object()
    assert heap.getrefcount(a) == 1
    xs = heap.list([a, a])
    assert heap.getrefcount(a) == 3
    assert heap.getsizeof(xs) == 56 + 8 * 2
    assert heap.getsizeof(a) == 48
