# 01_integer_atomic.py
#
# Shows: an int is an atomic leaf. It is never tracked by the cyclic GC, its
# allocation does not advance the generation-0 counter, it is freed purely by
# reference counting, and collecting afterwards finds nothing.
#
# Heap mapping:
#   x = int("1234567890123")  -> allocate atomic int "x" (fresh, mortal; refcount 1
#                                held by the global name)
#   y = x                      -> incref x (second owner)
#   del y                      -> decref x
#   del x                      -> decref x to 0: freed immediately
#   gc.collect()               -> collect gen 2: returns 0 (nothing of ours is cyclic)
#
# Notes: sys.getrefcount(x) - 1 is the number of owners (the call adds one
# temporary reference). The int is built from a string at run time so it is
# neither a small cached int nor a code-object constant (those are immortal /
# have extra owners in CPython 3.12).
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


# Warm-ups (interpreter bookkeeping, not part of the model): the first int(str)
# call in 3.11/3.12 allocates one GC object once, and the first gc.get_count()
# fills the 3-tuple free list so that later readings allocate nothing new.
int("7")
gc.get_count()
count_before = gc.get_count()[0]
x = int("1234567890123")
count_after = gc.get_count()[0]

out("tracked", gc.is_tracked(x))
out("count0_delta", count_after - count_before)
out("refs", sys.getrefcount(x) - 1)
y = x
out("refs_after_alias", sys.getrefcount(x) - 1)
del y
out("refs_after_del_alias", sys.getrefcount(x) - 1)
out("referents", len(gc.get_referents(x)))
del x
out("collected", gc.collect())
