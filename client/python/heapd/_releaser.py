"""The queue of references that collected proxies leave to drop.

A proxy's __del__ may run in any thread, at any moment (inside another
call of the client, or while the interpreter is shutting down), so it never
calls heapd: it appends its handle here (deque.append is atomic and takes
no lock that the interrupted code might hold), and the next call, the
background flush or close() sends the DecRefs.
"""
from __future__ import annotations

import collections


class Releaser:
    def __init__(self) -> None:
        self._handles: collections.deque[int] = collections.deque()
        self.closed = False

    def release(self, handle: int) -> None:
        """Queues one reference to drop (nothing once the session closed:
        closing dropped it)."""
        if not self.closed:
            self._handles.append(handle)

    def drain(self) -> list[int]:
        """Takes every queued handle; each is taken by exactly one caller,
        whatever threads drain at once."""
        taken: list[int] = []
        while True:
            try:
                taken.append(self._handles.popleft())
            except IndexError:
                return taken

    def restore(self, handles: list[int]) -> None:
        """Puts back handles whose DecRefs could not be sent."""
        self._handles.extendleft(reversed(handles))

    def __len__(self) -> int:
        return len(self._handles)
