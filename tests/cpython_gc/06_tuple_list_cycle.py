# 06_tuple_list_cycle.py
#
# Shows: a tuple cannot be made to contain itself directly (it is immutable),
# but a cycle can pass through a tuple and a list: l -> t -> l. Both are
# tracked containers and both are collected.
#
# Heap mapping:
#   l = []                -> allocate list "l"
#   t = (l,)              -> allocate tuple "t" with one slot -> l
#   l.append(t)           -> append t to l (closes the cycle)
#   del l, t              -> drop both names
#   gc.collect()          -> collect gen 2: 2
#   (then a 3-element variant: l2 -> t2 = (l2, inst, "leaf") with an instance
#    inst held only by the tuple: 3 collected: list, tuple, instance; the str
#    leaf is atomic and not counted)
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


l = []
t = (l,)
l.append(t)
out("tuple_tracked", gc.is_tracked(t))
out("list_refs", sys.getrefcount(l) - 1)
out("tuple_refs", sys.getrefcount(t) - 1)
del l
del t
out("collected", gc.collect())

l2 = []
inst = C()
winst = weakref.ref(inst)
t2 = (l2, inst, "leaf")
l2.append(t2)
del inst
del l2
del t2
out("alive_inst_before_collect", winst() is not None)
out("collected_with_leaf_and_instance", gc.collect())
out("alive_inst", winst() is not None)
