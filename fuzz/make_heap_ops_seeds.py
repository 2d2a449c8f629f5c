#!/usr/bin/env python3
"""Writes the heap_ops fuzzer's seed corpus (fuzz/corpus/heap_ops/).

Each seed is a small program in the fuzzer's byte format (see the comment
at the top of heap_ops_fuzzer.cc): the classic scenarios (a cycle, a
finalizer that resurrects, SAVEALL, freeze, weak references, ...) so that
libFuzzer starts from inputs that already reach the collector's paths.

  fuzz/make_heap_ops_seeds.py [output_dir]
"""
import os
import sys

# Opcodes (Step() in heap_ops_fuzzer.cc: opcode byte % 18).
ALLOC, SETF, APPEND, CLEARF, REMOVE, INCREF, DECREF, RELEASE, COLLECT = (
    0, 2, 3, 4, 5, 6, 7, 8, 9)
FREEZE, UNFREEZE, GCCONFIG, WEAK, WEAKTARGET, CLEARGARBAGE, INSPECT, BURST = (
    10, 11, 12, 13, 14, 15, 16, 17)
TYPES = dict(int=0, float=1, str=2, bytes=3, tuple=4, list=5, dict=6, set=7,
             object=8, raw=9)
FIELDS = dict(a=0, b=1, c=2)  # "a", "b", "c"; 3.. are "0", "1", "2", "7"


def alloc(kind, length=0, finalizer=0, into=0, field=0, weak=0, owner=0):
    """finalizer: 0 none, 1 record, 2 resurrect to owner, 3 into."""
    out = [ALLOC, TYPES[kind], length]
    if kind == "int":
        out += [length & 0xff, length >> 8]
    out.append(finalizer)
    if finalizer == 3:
        out += [into, field]
    out += [weak, owner]
    return out


def setf(src, field, dst):
    return [SETF, src, field, dst]


def collect(gen=2):
    return [COLLECT, gen + 1]


PROGRAMS = {
    "cycle": [0] + alloc("object") + alloc("object") + setf(0, 0, 1) +
             setf(1, 0, 0) + [RELEASE, 1] + collect(),
    "self_cycle_gen0": [0] + alloc("object") + setf(0, 0, 0) + [RELEASE, 1] +
                       collect(0) + collect(1) + collect(2),
    "list_items": [0] + alloc("list", 3) + alloc("int", 100) +
                  alloc("str", 30) + [APPEND, 0, 1, APPEND, 0, 2, APPEND, 0, 0,
                                      REMOVE, 0, 1, REMOVE, 0, 1] + collect(),
    "tuple_slots": [0] + alloc("tuple", 3) + alloc("float") +
                   setf(0, 3, 1) + [APPEND, 0, 0, APPEND, 0, 1, APPEND, 0, 1,
                                    CLEARF, 0, 4] + collect(),
    "dict_grows": [1] + alloc("dict") + alloc("object") + setf(0, 0, 1) +
                  setf(0, 1, 1) + setf(0, 2, 1) + setf(0, 6, 1) +
                  [CLEARF, 0, 1] + collect(),
    "set_add": [0] + alloc("set") + alloc("bytes", 10) + [APPEND, 0, 1,
                                                           APPEND, 0, 1,
                                                           APPEND, 0, 0,
                                                           REMOVE, 0, 0],
    "finalizer_record": [0] + alloc("object", finalizer=1) +
                        alloc("object") + setf(0, 0, 1) + setf(1, 0, 0) +
                        [RELEASE, 1] + collect(),
    "finalizer_resurrect_owner": [0] + alloc("object", finalizer=2) +
                                 alloc("list") + setf(0, 0, 1) +
                                 [APPEND, 1, 0, RELEASE, 1] + collect() +
                                 [RELEASE, 1] + collect(),
    "finalizer_resurrect_into": [0] + alloc("dict") +
                                alloc("object", finalizer=3, into=0, field=1) +
                                setf(1, 0, 1) + [DECREF, 0, 1] + collect(),
    "finalizer_refcount_path": [0] + alloc("object") +
                               alloc("str", 5, finalizer=3, into=0, field=2) +
                               [DECREF, 0, 1, INSPECT, 0, 0, 0],
    "weakref_callback": [0] + alloc("object", weak=3) + setf(0, 0, 0) +
                        [WEAK, 0, 1, RELEASE, 1] + collect() +
                        [WEAKTARGET, 0, 0],
    "saveall": [0, GCCONFIG, 0x20, 5, 1] + alloc("object") + alloc("object") +
               setf(0, 0, 1) + setf(1, 0, 0) + [RELEASE, 1] + collect() +
               [CLEARGARBAGE] + collect(),
    "freeze_unfreeze": [0] + alloc("object") + setf(0, 0, 0) +
                       [FREEZE, RELEASE, 1] + collect() +
                       [UNFREEZE] + collect(),
    "automatic_collections": [2, GCCONFIG, 0, 2, BURST, 15, BURST, 15,
                              RELEASE, 1, RELEASE, 2, RELEASE, 3, BURST, 15],
    "owners": [0] + alloc("object", owner=1) + [INCREF, 1, 0, INCREF, 2, 0,
                                                 DECREF, 0, 0, DECREF, 1, 0,
                                                 RELEASE, 3, DECREF, 2, 0,
                                                 DECREF, 2, 0],
    "raw_sizes": [1] + alloc("raw", 0) + alloc("raw", 245) + alloc("raw", 250) +
                 alloc("bytes", 251) + alloc("str", 160) + [RELEASE, 1],
    "stale_handles": [0] + alloc("object") + [DECREF, 0, 0] + alloc("list") +
                     setf(0, 0, 1) + [APPEND, 1, 0, INCREF, 0, 0,
                                      INSPECT, 0, 0, 0, INCREF, 0, 242],
    "bad_arguments": [0, ALLOC, 4, 250, 0, 0, 0, ALLOC, 1, 1, 0, 0, 0,
                      ALLOC, 5, 251, 0, 0, 0, COLLECT, 0, COLLECT, 4,
                      GCCONFIG, 0x80, GCCONFIG, 0x20, 4],
    "deep_chain": [0] + alloc("list") + sum(
        (alloc("list") + [APPEND, i, i + 1, DECREF, 0, i + 1]
         for i in range(30)), []) + [RELEASE, 1],
    "ring": [3] + sum((alloc("object") for _ in range(12)), []) + sum(
        (setf(i, 0, (i + 1) % 12) for i in range(12)), []) + [RELEASE, 1] +
            collect(1) + collect(2),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "heap_ops")
    os.makedirs(out, exist_ok=True)
    for name, program in PROGRAMS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(b & 0xff for b in program))


if __name__ == "__main__":
    main()
