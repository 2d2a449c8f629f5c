"""pip install ./client/python: the heapd package, with heap_pb2 and
heap_pb2_grpc generated from ../../proto/heap.proto at build time by protoc
and gRPC's Python plugin (Debian: protobuf-compiler, protobuf-compiler-grpc),
or by grpc_tools.protoc where that plugin is missing. Offline; the runtime
dependencies (python3-grpcio, python3-protobuf) come from Debian."""
import os
import shutil
import subprocess
import sys
import tempfile

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO = os.path.join(HERE, "..", "..", "proto", "heap.proto")
PLUGIN = shutil.which("grpc_python_plugin")


class BuildWithStubs(build_py):
    def run(self) -> None:
        super().run()
        with tempfile.TemporaryDirectory() as staging:
            # Compiled as heapd/_proto/heap.proto, so that the gRPC module
            # imports `heapd._proto.heap_pb2`.
            os.makedirs(os.path.join(staging, "heapd", "_proto"))
            proto = os.path.join(staging, "heapd", "_proto", "heap.proto")
            shutil.copy(PROTO, proto)
            if PLUGIN and shutil.which("protoc"):
                command = ["protoc",
                           f"--plugin=protoc-gen-grpc_python={PLUGIN}"]
            else:
                command = [sys.executable, "-m", "grpc_tools.protoc"]
            subprocess.check_call(command + [
                f"-I{staging}", f"--python_out={self.build_lib}",
                f"--pyi_out={self.build_lib}",
                f"--grpc_python_out={self.build_lib}", proto])


setup(
    name="heapd",
    version="0.1.0",
    description="A Python client for heapd that reads like Python",
    packages=["heapd", "heapd._proto"],
    python_requires=">=3.9",
    install_requires=["grpcio", "protobuf"],
    cmdclass={"build_py": BuildWithStubs},
)
