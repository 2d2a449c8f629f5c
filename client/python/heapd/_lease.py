"""The background thread that keeps a session's lease and sends the
references collected proxies dropped."""
from __future__ import annotations

import threading
from typing import Callable, Optional

from heapd import errors


class LeaseKeeper(threading.Thread):
    """Calls `tick` every `interval` seconds until stop() or a NOT_FOUND
    (the session is gone: nothing left to renew). The last error is kept in
    `.error` for the owner to see."""

    def __init__(self, tick: Callable[[], None], interval: float) -> None:
        super().__init__(name="heapd-lease", daemon=True)
        self._tick = tick
        self._interval = interval
        self._stopped = threading.Event()
        self.error: Optional[errors.HeapdError] = None

    def run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._tick()
                self.error = None
            except errors.NotFoundError as e:
                self.error = e
                return
            except errors.HeapdError as e:
                self.error = e

    def stop(self) -> None:
        self._stopped.set()
        if self is not threading.current_thread():
            self.join()
