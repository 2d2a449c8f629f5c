# 13_weakref_to_live_object.py
#
# Shows: weak references do not keep objects alive but also do not lose live
# objects: a weakref (with callback) to a live instance that is itself part of
# a rooted cycle survives collections of every generation, still returns the
# object, and the callback never runs. A weakref does not add to the
# referent's refcount.
#
# Heap mapping:
#   x = C(); y = C(); x.ref = y; y.ref = x  -> 2-cycle rooted by names x, y
#   w = weakref.ref(x, cb)                  -> allocate weakref to x
#   gc.collect(0/1/2)                       -> 0, 0, 0
import gc
import sys
import weakref

gc.collect()
gc.disable()


def out(name, value):
    if value is True:
        value = "true"
    elif value is False:
        value = "false"
    print(name, value)


class C:
    pass


calls = []


def cb(wr):
    calls.append(1)


x = C()
y = C()
x.ref = y
y.ref = x
refs_before = sys.getrefcount(x) - 1
w = weakref.ref(x, cb)
out("refs_before_weakref", refs_before)
out("refs_after_weakref", sys.getrefcount(x) - 1)
out("weakref_tracked", gc.is_tracked(w))
out("collected_gen0", gc.collect(0))
out("collected_gen1", gc.collect(1))
out("collected_gen2", gc.collect(2))
out("w_is_x", w() is x)
out("weakref_count", weakref.getweakrefcount(x))
out("callbacks", len(calls))
