# 14_weakref_inside_garbage_no_callback.py
#
# Shows: when the weakref object is itself part of the garbage, its callback
# is NOT run (the collector pretends the weakref died first). Here o is a
# self-cycle that also owns a weakref to itself with a callback; the callback
# function is a live global. collect counts o and the weakref object: 2.
# Contrast: the same shape but the weakref kept alive from outside (a name)
# gets its callback (count 1 object collected, callback 1).
#
# Heap mapping:
#   o = C(); o.me = o                 -> self-cycle instance
#   o.w = weakref.ref(o, cb)          -> allocate weakref (owned only by o)
#   del o                             -> drop name
#   gc.collect()                      -> 2 (o, weakref); callbacks 0
#   q = C(); q.me = q; wq = weakref.ref(q, cb); del q
#   gc.collect()                      -> 1 (q); callbacks 1
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


o = C()
o.me = o
o.w = weakref.ref(o, cb)
del o
out("collected_weakref_in_garbage", gc.collect())
out("callbacks_weakref_in_garbage", len(calls))

q = C()
q.me = q
wq = weakref.ref(q, cb)
del q
out("collected_weakref_outside", gc.collect())
out("callbacks_weakref_outside", len(calls))
out("wq_is_none", wq() is None)
