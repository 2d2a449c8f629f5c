"""gc.callbacks for heapd: the collections WatchStats reports, each handed
to the callbacks as ("start", info) then ("stop", info), from a background
thread reading the stream."""
from __future__ import annotations

import sys
import threading
import traceback
from typing import Any, Callable, Iterable, Optional

from heapd import errors
from heapd._proto import heap_pb2 as pb

Callback = Callable[[str, dict[str, int]], None]

# How long start() waits for the stream's first message: collections after
# it are the ones reported.
_OPEN_TIMEOUT = 30.0


def infos(event: pb.CollectionEvent) -> tuple[dict[str, int], dict[str, int]]:
    """The "start" and "stop" info dicts CPython passes for a collection."""
    start = {"generation": event.generation, "collected": 0,
             "uncollectable": 0}
    stop = {"generation": event.generation, "collected": event.collected,
            "uncollectable": event.uncollectable}
    return start, stop


class CollectionWatcher(threading.Thread):
    """Reads WatchStats and calls each callback in `callbacks` (read anew
    for every event) for every collection the stream reports."""

    def __init__(self, open_stream: Callable[[], Any],
                 callbacks: Callable[[], Iterable[Callback]]) -> None:
        super().__init__(name="heapd-gc-callbacks", daemon=True)
        self._open_stream = open_stream
        self._callbacks = callbacks
        self._stream: Any = None
        self._opened = threading.Event()
        self._stopped = False
        self.error: Optional[BaseException] = None

    def start_and_wait(self) -> None:
        """Starts the thread and returns once the stream delivered its first
        message (or failed): collections from then on are reported."""
        self.start()
        self._opened.wait(_OPEN_TIMEOUT)
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        try:
            self._stream = self._open_stream()
            if self._stopped:
                self._stream.cancel()
            for message in self._stream:
                self._opened.set()
                for event in message.events:
                    self._dispatch(event)
        except errors.HeapdError as e:
            self.error = e
        except Exception as e:  # grpc.RpcError: cancelled or gone
            if not self._stopped:
                self.error = errors.from_rpc_error(e)
        finally:
            self._opened.set()

    def _dispatch(self, event: pb.CollectionEvent) -> None:
        start, stop = infos(event)
        for phase, info in (("start", start), ("stop", stop)):
            for callback in list(self._callbacks()):
                try:
                    callback(phase, dict(info))
                except Exception:
                    # As CPython: reported, and the other callbacks run.
                    print(f"Exception ignored in gc callback {callback!r}:",
                          file=sys.stderr)
                    traceback.print_exc()

    def stop(self) -> None:
        self._stopped = True
        if self._stream is not None:
            self._stream.cancel()
        if self is not threading.current_thread() and self.is_alive():
            self.join(timeout=_OPEN_TIMEOUT)
