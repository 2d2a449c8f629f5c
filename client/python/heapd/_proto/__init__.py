"""heap.proto's generated modules (heap_pb2, heap_pb2_grpc).

The build generates them: setup.py into the installed package, Bazel's
//client/python:heap_py_proto into bazel-bin/client/python/heapd/_proto.
extend_path lets a source checkout find the latter when both directories
are on sys.path.
"""
import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)
