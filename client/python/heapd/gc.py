"""heap.gc: Python's gc module, for the heapd heap.

Where the model has it, each function answers what gc's does (see
docs/python.md for the mapping and what differs).
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from heapd import _batch
from heapd._collection_events import Callback, CollectionWatcher
from heapd._proto import heap_pb2 as pb

if TYPE_CHECKING:
    from heapd.heap import Heap
    from heapd.proxy import HeapObject

DEBUG_STATS = pb.GC_DEBUG_STATS
DEBUG_COLLECTABLE = pb.GC_DEBUG_COLLECTABLE
DEBUG_UNCOLLECTABLE = pb.GC_DEBUG_UNCOLLECTABLE
DEBUG_SAVEALL = pb.GC_DEBUG_SAVEALL
DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL


class Garbage:
    """gc.garbage's size: heapd counts the objects SAVEALL or finalizers
    kept, but the API gives no handles to them."""

    def __init__(self, heap: "Heap") -> None:
        self._heap = heap

    def __len__(self) -> int:
        return self._heap.stats(pb.COLLECTOR).collector.garbage

    def __repr__(self) -> str:
        return f"<heapd gc.garbage of {len(self)} objects>"


class CallbackList(list[Callback]):
    """gc.callbacks: a list whose first callback starts the watch on
    collections (WatchStats), so sessions without callbacks open no
    stream."""

    def __init__(self, on_add: Callable[[], None]) -> None:
        super().__init__()
        self._on_add = on_add

    def _added(self) -> None:
        if len(self):
            self._on_add()

    def append(self, callback: Callback) -> None:
        super().append(callback)
        self._added()

    def extend(self, callbacks: Any) -> None:
        super().extend(callbacks)
        self._added()

    def insert(self, index: Any, callback: Callback) -> None:
        super().insert(index, callback)
        self._added()

    # list types += as a new list (its __add__); in place it stays this one.
    def __iadd__(  # type: ignore[misc, override]
            self, callbacks: Iterable[Callback]) -> "CallbackList":
        super().__iadd__(callbacks)
        self._added()
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        super().__setitem__(index, value)
        self._added()


class GcModule:
    DEBUG_STATS = DEBUG_STATS
    DEBUG_COLLECTABLE = DEBUG_COLLECTABLE
    DEBUG_UNCOLLECTABLE = DEBUG_UNCOLLECTABLE
    DEBUG_SAVEALL = DEBUG_SAVEALL
    DEBUG_LEAK = DEBUG_LEAK

    def __init__(self, heap: "Heap") -> None:
        self._heap = heap
        self.garbage = Garbage(heap)
        self._watcher: Optional[CollectionWatcher] = None
        self._watch_lock = threading.Lock()
        # Called with ("start", info) and ("stop", info) for every
        # collection of the heap (anyone's), from a background thread
        # reading WatchStats, shortly after the collection.
        self.callbacks: list[Callback] = CallbackList(self._watch)

    def _watch(self) -> None:
        with self._watch_lock:
            if self._watcher is not None or self._heap.closed:
                return
            watcher = CollectionWatcher(
                lambda: self._heap._stub.stream(
                    "WatchStats", pb.WatchStatsRequest(
                        sections=[pb.COLLECTOR])),
                lambda: self.callbacks)
            self._watcher = watcher
        try:
            watcher.start_and_wait()
        except BaseException:
            with self._watch_lock:
                self._watcher = None
            raise

    def _stop_watching(self) -> None:
        with self._watch_lock:
            watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()

    def _session(self) -> str:
        return self._heap.session_id

    def collect(self, generation: int = 2) -> Optional[int]:
        """Collects `generation` and younger; returns the unreachable
        objects found (None inside heap.batch())."""
        def build(group: _batch.Group) -> _batch.Cell:
            cell = _batch.Cell()

            def then(result: pb.OperationResult) -> None:
                cell.value = result.collect.collected

            group.add(pb.Operation(
                collect=pb.BatchCollect(generation=generation)), then)
            return cell

        collected = self._heap._run(build)
        if self._heap._group() is None:
            self._heap._run_weak_callbacks()
        return collected

    def _collector(self) -> pb.CollectorStats:
        return self._heap.stats(pb.COLLECTOR).collector

    def get_count(self) -> tuple[int, int, int]:
        counts = [g.count for g in self._collector().generations]
        return (counts[0], counts[1], counts[2])

    def get_stats(self) -> list[dict[str, int]]:
        return [{"collections": g.collections, "collected": g.collected,
                 "uncollectable": g.uncollectable}
                for g in self._collector().generations]

    def _config(self) -> pb.GcConfig:
        return self._heap._call("GetGcConfig", pb.GetGcConfigRequest(
            session_id=self._session()))

    def _set(self, **fields: Any) -> pb.GcConfig:
        return self._heap._call("SetGcConfig", pb.SetGcConfigRequest(
            session_id=self._session(), **fields))

    def get_threshold(self) -> tuple[int, int, int]:
        t = self._config().thresholds
        return (t[0], t[1], t[2])

    def set_threshold(self, threshold0: int,
                      threshold1: Optional[int] = None,
                      threshold2: Optional[int] = None) -> None:
        fields = {"threshold0": threshold0}
        if threshold1 is not None:
            fields["threshold1"] = threshold1
        if threshold2 is not None:
            fields["threshold2"] = threshold2
        self._set(**fields)

    def enable(self) -> None:
        self._set(enabled=True)

    def disable(self) -> None:
        self._set(enabled=False)

    def isenabled(self) -> bool:
        return self._config().enabled

    def set_debug(self, flags: int) -> None:
        self._set(debug_flags=flags)

    def get_debug(self) -> int:
        return self._config().debug_flags

    def freeze(self) -> None:
        self._heap._call("Freeze", pb.FreezeRequest(
            session_id=self._session()))

    def unfreeze(self) -> None:
        self._heap._call("Unfreeze", pb.UnfreezeRequest(
            session_id=self._session()))

    def get_freeze_count(self) -> int:
        return self._collector().permanent

    def is_tracked(self, obj: "HeapObject") -> bool:
        return self._heap.inspect(obj).tracked

    def is_finalized(self, obj: "HeapObject") -> bool:
        return self._heap.inspect(obj).finalized

    def get_referents(self, *objs: "HeapObject") -> list["HeapObject"]:
        """New proxies for what the objects refer to, fields then items."""
        handles = [h for o in objs for h in self._heap.inspect(o).referents]
        return self._heap._adopt(handles)

    def get_referrers(self, *objs: "HeapObject") -> list["HeapObject"]:
        """New proxies for the containers that refer to the objects."""
        handles = [h for o in objs for h in self._heap.inspect(o).referrers]
        return self._heap._adopt(handles)
