#!/usr/bin/env python3
"""Writes the trace fuzzer's seed corpus (fuzz/corpus/trace/).

Each seed is a small trace in the format of docs/trace_format.md: one of
each record, realloc's three outcomes, a data-stack chunk beside an arena,
a checkpoint CPython would print, and a trace cut short.

  fuzz/make_trace_seeds.py [output_dir]    (run from anywhere)
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MALLOC, CALLOC, REALLOC, FREE, ARENA, ARENA_FREE, CHECKPOINT = range(1, 8)
OBJ = 0x80

# CPython 3.11's _PyObject_DebugMallocStats for one aligned arena holding a
# pool of 48-byte blocks, one of them in use.
STATS = """Small block threshold = 512, in 32 size classes.

class   size   num pools   blocks in use  avail blocks
-----   ----   ---------   -------------  ------------
    2     48           1               1           339

# arenas allocated total           =                    1
# arenas reclaimed                 =                    0
# arenas highwater mark            =                    1
# arenas allocated current         =                    1
1 arenas * 1048576 bytes/arena     =            1,048,576

# bytes in allocated blocks        =                   48
# bytes in available blocks        =               16,272
63 unused pools * 16384 bytes      =            1,032,192
# bytes lost to pool headers       =                   48
# bytes lost to quantization       =                   16
# bytes lost to arena alignment    =                    0
Total                              =            1,048,576
"""


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7f) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class Trace:
    def __init__(self):
        self.data = bytearray(b"HEAPTRC\0" + bytes([1]) + varint(1 << 20) +
                              varint(1 << 14))
        self.calls = 0

    def record(self, tag, *fields, call=True):
        self.data.append(tag)
        for f in fields:
            self.data += f if isinstance(f, bytes) else varint(f)
        self.calls += call
        return self

    def checkpoint(self, text):
        self.data.append(CHECKPOINT)
        self.data += varint(self.calls) + varint(len(text)) + text.encode()
        return self

    def end(self):
        return bytes(self.data + bytes([0]) + varint(self.calls))


def seeds():
    yield "one_of_each", (
        Trace().record(ARENA, 0x7f0000000000, 1 << 20, call=False)
        .record(MALLOC | OBJ, 40).checkpoint(STATS)
        .record(CALLOC, 3, 8).record(REALLOC, 2, 600, bytes([1]))
        .record(REALLOC | OBJ, 0, 10, bytes([1])).record(FREE | OBJ, 1)
        .record(ARENA_FREE, 0x7f0000000000, 1 << 20, call=False).end())
    yield "realloc_rule", (
        Trace().record(MALLOC, 64).record(REALLOC, 1, 60, bytes([0]))
        .record(REALLOC, 1, 48, bytes([1])).record(REALLOC, 1, 0, bytes([1]))
        .record(REALLOC, 1, 16, bytes([1])).record(FREE, 1).end())
    yield "sizes", (
        Trace().record(MALLOC, 0).record(MALLOC, 512).record(MALLOC, 513)
        .record(MALLOC, 1).record(FREE, 3).record(FREE, 1).end())
    yield "data_stack_chunk", (
        Trace().record(ARENA, 0x7f0000201000, 1 << 14, call=False)
        .record(ARENA, 0x7f0000003000, 1 << 20, call=False)
        .record(MALLOC | OBJ, 48).checkpoint(STATS).end())
    many = Trace()
    for i in range(200):
        many.record(MALLOC | OBJ, 1 + (i * 37) % 512)
    for i in range(1, 201, 2):
        many.record(FREE | OBJ, i)
    yield "many", many.end()
    yield "cut_short", seeds_cut()


def seeds_cut():
    whole = (Trace().record(MALLOC, 8).checkpoint(STATS).end())
    return whole[:len(whole) // 2]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "fuzz", "corpus", "trace")
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
