# 03_self_referencing_list.py
#
# Shows: the smallest cycle. A list that contains itself keeps its refcount > 0
# after the last name is dropped; only the cyclic collector frees it, and a
# second collection finds nothing.
#
# Heap mapping:
#   l = []               -> allocate list "l"
#   l.append(l)          -> append l to itself (self edge; refcount 2)
#   del l                -> drop the name's reference (refcount 1, unreachable)
#   gc.collect()         -> collect gen 2: 1 (the list)
#   gc.collect()         -> collect gen 2: 0
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


l = []
l.append(l)
out("tracked", gc.is_tracked(l))
out("refs", sys.getrefcount(l) - 1)
out("self_referent", gc.get_referents(l)[0] is l)
del l
out("collected", gc.collect())
out("collected_again", gc.collect())
