"""The package's type hints hold: mypy (Debian's python3-mypy) over heapd,
with the generated modules' stubs (heap_pb2.pyi) beside them."""
import pathlib
import subprocess
import sys

from heapd._proto import heap_pb2

PACKAGE = pathlib.Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors() -> None:
    generated = pathlib.Path(heap_pb2.__file__).resolve().parents[2]
    assert (generated / "heapd" / "_proto" / "heap_pb2.pyi").exists(), (
        "the build makes heap_pb2.pyi beside heap_pb2.py")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir=/dev/null",
         f"--config-file={PACKAGE / 'mypy.ini'}", "heapd"],
        cwd=PACKAGE, env={"MYPYPATH": str(generated), "PATH": "/usr/bin"},
        capture_output=True, text=True, timeout=600)
    assert "No module named mypy" not in done.stderr, (
        "mypy is missing: tools/setup installs python3-mypy")
    assert done.returncode == 0, done.stdout + done.stderr
