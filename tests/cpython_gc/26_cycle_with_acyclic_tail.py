# 26_cycle_with_acyclic_tail.py
#
# Shows: collect counts every unreachable tracked object, not just the ones on
# a cycle. A 2-cycle a <-> b with an acyclic tail hanging off b
# (b.tail -> t1 -> t2 -> t3, plus a list lst holding t1 and an atomic str)
# gives 2 + 3 + 1 = 6; the atomic leaves are not counted. Also: an object
# reachable from the garbage AND from a live name is not garbage.
#
# Heap mapping:
#   a = C(); b = C(); a.ref = b; b.ref = a           -> 2-cycle
#   t1 = C(); t2 = C(); t3 = C()                      -> 3 instances
#   b.tail = t1; t1.next = t2; t2.next = t3          -> acyclic tail
#   lst = [t1, "leaf"]; a.items = lst                -> list (instance + atomic)
#   keep = C(); t3.shared = keep                     -> edge into a live object
#   del a, b, t1, t2, t3, lst                        -> drop names (keep stays)
#   gc.collect()                                     -> 6; keep still alive
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


a = C()
b = C()
a.ref = b
b.ref = a
t1 = C()
t2 = C()
t3 = C()
b.tail = t1
t1.next = t2
t2.next = t3
lst = [t1, "leaf"]
a.items = lst
keep = C()
t3.shared = keep
wt3 = weakref.ref(t3)
out("refs_keep_before", sys.getrefcount(keep) - 1)
del a
del b
del t1
del t2
del t3
del lst
out("alive_t3_before_collect", wt3() is not None)
out("collected", gc.collect())
out("alive_t3", wt3() is not None)
out("refs_keep_after", sys.getrefcount(keep) - 1)
out("collected_again", gc.collect())
