"""Starts a real heapd on 127.0.0.1 with a free port, for the tests."""
from __future__ import annotations

import os
import pathlib
import subprocess
import threading
from typing import Optional

ROOT = pathlib.Path(__file__).resolve().parents[3]


def heapd_binary() -> str:
    """$HEAPD_BINARY, else the one `bazel build //server:heapd` made."""
    return os.environ.get("HEAPD_BINARY") or str(ROOT / "bazel-bin/server/heapd")


class HeapdServer:
    def __init__(self, *flags: str) -> None:
        self.process = subprocess.Popen(
            # Free ports for both listeners: tests run several heapds at once.
            [heapd_binary(), "--listen=127.0.0.1:0",
             "--http_listen=127.0.0.1:0", *flags],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address: Optional[str] = None
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("heapd listening on "):
                self.address = line.split()[-1]
                break
        if self.address is None:
            raise RuntimeError("heapd did not start: " +
                               self.process.stderr.read())
        # Keep reading so heapd never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        threading.Thread(target=self.process.stderr.read, daemon=True).start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
