# 27_callbacks_info.py
#
# Shows: gc.callbacks receive ("start", info) and ("stop", info) for every
# collection, explicit ones included. info["generation"] is the collected
# generation; "collected"/"uncollectable" are 0 at start and the results at
# stop; stop's collected equals collect()'s return value here.
# Garbage: one self-list + one instance pair, all in generation 0, collected
# by an explicit collect(1) (which includes generation 0): 3.
# Then collect(0) with nothing to find: start/stop with 0.
#
# Heap mapping:
#   l = []; l.append(l); a = C(); b = C(); a.ref = b; b.ref = a; del l, a, b
#   register callback; collect gen 1 -> 3
#   collect gen 0 -> 0
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


events = []


def cb(phase, info):
    events.append((phase, info["generation"], info["collected"], info["uncollectable"]))


l = []
l.append(l)
a = C()
b = C()
a.ref = b
b.ref = a
del l
del a
del b
gc.callbacks.append(cb)
ret1 = gc.collect(1)
ret0 = gc.collect(0)
gc.callbacks.remove(cb)

out("collect1_returned", ret1)
out("collect0_returned", ret0)
out("events", len(events))
for i, (phase, gen, collected, uncollectable) in enumerate(events):
    prefix = "event%d_%s" % (i, phase)
    out(prefix + "_generation", gen)
    out(prefix + "_collected", collected)
    out(prefix + "_uncollectable", uncollectable)
