#!/usr/bin/env python3
"""Writes the request fuzzer's seed corpus (fuzz/corpus/request/).

Each seed is a few requests in the fuzzer's format (see the comment at the
top of request_fuzzer.cc): [rpc byte][session byte][length][request bytes],
the request bytes encoded from text format by `protoc --encode` (Debian's
protoc; no Python protobuf needed). Session byte 1 means "use the input's
session"; handles 0, 1, ... name the input's 1st, 2nd, ... allocation.

  fuzz/make_request_seeds.py [output_dir]    (run from anywhere)
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["Ping", "Stats", "OpenSession", "CloseSession", "Allocate",
           "IncRef", "DecRef", "Link", "Unlink", "Collect", "Inspect",
           "GetGcConfig", "SetGcConfig", "Freeze", "Unfreeze", "Batch",
           "WatchStats", "Verify", "GetReferent", "CreateWeakRef",
           "ReadWeakRef"]
REQUEST_TYPES = {"GetGcConfig": "GetGcConfigRequest", "Batch": "BatchRequest"}


def encode(method, text):
    message = REQUEST_TYPES.get(method, method + "Request")
    return subprocess.run(
        ["protoc", "--proto_path=" + ROOT, "--encode=heapd.v1." + message,
         "proto/heap.proto"],
        input=text.encode(), stdout=subprocess.PIPE, check=True,
        cwd=ROOT).stdout


def request(method, text="", own_session=True):
    body = encode(method, text)
    assert len(body) < 256, (method, len(body))
    return bytes([METHODS.index(method), 1 if own_session else 0,
                  len(body)]) + body


def seq(*requests):
    return b"".join(requests)


CYCLE = [request("Allocate", "type: OBJECT count: 2"),
         request("Link", 'source: 0 target: 1 field: "next"'),
         request("Link", 'source: 1 target: 0 field: "next"')]

SEEDS = {
    "cycle": seq(*CYCLE, request("DecRef", "handle: 0"),
                 request("DecRef", "handle: 1"), request("Collect")),
    "cycle_gen0": seq(*CYCLE, request("Collect", "generation: 0"),
                      request("Collect", "generation: 1")),
    "list_items": seq(request("Allocate", "type: LIST length: 4"),
                      request("Allocate", "type: INT length: 90"),
                      request("Link", "source: 0 target: 1 append: true"),
                      request("Link", "source: 0 target: 0 append: true"),
                      request("Unlink", "source: 0 item: 1"),
                      request("Inspect", "handle: 0")),
    "tuple_and_set": seq(request("Allocate", "type: TUPLE length: 2"),
                         request("Allocate", "type: SET"),
                         request("Link", 'source: 0 target: 1 field: "1"'),
                         request("Link", "source: 1 target: 0 append: true"),
                         request("Unlink", 'source: 0 field: "1"')),
    "dict_fields": seq(request("Allocate", "type: DICT"),
                       request("Allocate", "type: STR length: 700"),
                       request("Link", 'source: 0 target: 1 field: "k"'),
                       request("Link", 'source: 0 target: 1 field: "j"'),
                       request("Unlink", 'source: 0 field: "k"'),
                       request("Unlink", 'source: 0 field: "zz"')),
    "refcounts": seq(request("Allocate", "type: FLOAT"),
                     request("IncRef", "handle: 0"),
                     request("DecRef", "handle: 0"),
                     request("DecRef", "handle: 0"),
                     request("DecRef", "handle: 0"),
                     request("Inspect", "handle: 0")),
    "finalizer_record": seq(
        request("Allocate", "type: OBJECT finalizer { action: RECORD }"),
        request("Link", 'source: 0 target: 0 field: "self"'),
        request("DecRef", "handle: 0"), request("Collect")),
    "finalizer_resurrect": seq(
        request("Allocate", "type: DICT"),
        request("Allocate", "type: OBJECT count: 2 finalizer { action: "
                "RESURRECT_INTO resurrect_into: 0 resurrect_field: \"r\" }"),
        request("Link", 'source: 1 target: 2 field: "a"'),
        request("Link", 'source: 2 target: 1 field: "a"'),
        request("DecRef", "handle: 1"), request("DecRef", "handle: 2"),
        request("Collect"), request("Inspect", "handle: 0")),
    "finalizer_to_session": seq(
        request("Allocate",
                "type: LIST finalizer { action: RESURRECT_TO_SESSION }"),
        request("Link", "source: 0 target: 0 append: true"),
        request("DecRef", "handle: 0"), request("Collect"),
        request("Inspect", "handle: 0")),
    "weakrefs": seq(
        request("Allocate",
                "type: OBJECT count: 3 weakref { create: true callback: true }"),
        request("DecRef", "handle: 1"), request("Collect")),
    "saveall": seq(request("SetGcConfig", "debug_flags: 32"), *CYCLE,
                   request("DecRef", "handle: 0"),
                   request("DecRef", "handle: 1"), request("Collect"),
                   request("GetGcConfig")),
    "freeze": seq(*CYCLE, request("Freeze"), request("DecRef", "handle: 0"),
                  request("DecRef", "handle: 1"), request("Collect"),
                  request("Unfreeze"), request("Collect")),
    "thresholds": seq(request("SetGcConfig",
                              "threshold0: 2 threshold1: 1 threshold2: 1"),
                      request("Allocate", "type: LIST count: 16"),
                      request("Allocate", "type: DICT count: 16"),
                      request("SetGcConfig", "threshold0: -1"),
                      request("SetGcConfig", "enabled: false debug_flags: 8")),
    "batch": seq(request("Batch", """
        operations { allocate { type: OBJECT count: 2 } }
        operations { link { source { result { op: 0 object: 0 } }
                            target { result { op: 0 object: 1 } }
                            field: "a" } }
        operations { link { source { result { op: 0 object: 1 } }
                            target { result { op: 0 object: 0 } }
                            field: "a" } }
        operations { decref { object { result { op: 0 object: 0 } } } }
        operations { decref { object { result { op: 0 object: 1 } } } }
        operations { collect { generation: 2 } }""")),
    "batch_errors": seq(request("Batch", """
        continue_on_error: true
        operations { allocate { type: LIST } }
        operations { link { source { result { op: 5 object: 0 } }
                            target { result { op: 0 object: 9 } }
                            append: true } }
        operations { unlink { source { result { op: 0 object: 0 } }
                              item { handle: 77 } } }
        operations { incref { object { handle: 0 } } }
        operations { collect { generation: 7 } }
        operations { }""")),
    "batch_items": seq(request("Batch", """
        operations { allocate { type: LIST length: 2 } }
        operations { allocate { type: BYTES length: 100 count: 3 } }
        operations { link { source { result { op: 0 object: 0 } }
                            target { result { op: 1 object: 2 } }
                            append: true } }
        operations { unlink { source { result { op: 0 object: 0 } }
                              item { result { op: 1 object: 2 } } } }
        operations { incref { object { result { op: 1 object: 0 } } } }""")),
    "sessions": seq(request("OpenSession", 'client_name: "other" ttl_ms: 500'),
                    request("OpenSession", "ttl_ms: -1"),
                    request("Allocate", "type: OBJECT"),
                    request("CloseSession"),
                    request("Allocate", "type: OBJECT")),
    "no_session": seq(request("Allocate", "type: OBJECT", own_session=False),
                      request("Collect", own_session=False),
                      request("Batch", "operations { collect { } }",
                              own_session=False)),
    "bad_allocations": seq(request("Allocate", "type: OBJECT_TYPE_UNSPECIFIED"),
                           request("Allocate", "type: DICT length: 3"),
                           request("Allocate", "type: STR length: -5"),
                           request("Allocate", "type: RAW length: 0 count: 99"),
                           request("Allocate", "type: INT length: 99999999")),
    "items_by_index": seq(
        request("Allocate", "type: LIST length: 2"),
        request("Allocate", "type: OBJECT count: 2"),
        request("Link", "source: 0 target: 1 append: true"),
        request("Link", "source: 0 target: 2 index: 0"),
        request("Link", "source: 0 target: 2 index: -1"),
        request("GetReferent", "source: 0 index: 0"),
        request("GetReferent", "source: 0 index: 5"),
        request("Link", 'source: 1 target: 2 field: "ref"'),
        request("GetReferent", 'source: 1 field: "ref"'),
        request("Unlink", "source: 0 index: 0"),
        request("Collect")),
    "weakrefs_later": seq(
        *CYCLE, request("CreateWeakRef", "handle: 0 callback: true"),
        request("ReadWeakRef", "weakref_id: 1"),
        request("DecRef", "handle: 0"), request("DecRef", "handle: 1"),
        request("Collect"), request("ReadWeakRef", "weakref_id: 1"),
        request("ReadWeakRef", "weakref_id: 99")),
    "ping_and_stats": seq(request("Ping", 'payload: "hello"'),
                          request("Ping", "", own_session=True),
                          request("Stats", "sections: OBJECTS fresh: true"),
                          request("Stats"),
                          request("WatchStats", "interval_ms: 50"),
                          request("Verify")),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "fuzz", "corpus", "request")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
