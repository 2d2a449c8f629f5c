"""Fixtures: a heapd per test module and a session per test."""
from __future__ import annotations

import pathlib
import sys
from typing import Iterator

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import heapd  # noqa: E402
from heapd_server import HeapdServer  # noqa: E402


@pytest.fixture(scope="module")
def server() -> Iterator[HeapdServer]:
    started = HeapdServer()
    yield started
    started.stop()


@pytest.fixture
def heap(server: HeapdServer) -> Iterator[heapd.Heap]:
    with heapd.connect(server.address, ttl=10) as opened:
        # Every test starts from an empty heap and the default collector.
        opened.gc.collect()
        opened.gc.set_threshold(700, 10, 10)
        opened.gc.enable()
        opened.gc.set_debug(0)
        opened.gc.unfreeze()
        yield opened


def live_objects(heap: heapd.Heap) -> int:
    return heap.stats(heapd.heap.pb.OBJECTS).objects.objects
