# 24_unlink_breaks_cycle.py
#
# Shows: breaking a cycle by hand before dropping the names lets reference
# counting free everything immediately; the collector then finds nothing.
#   part 1: a <-> b via attributes; del a.ref; del a, b -> both dead at once.
#   part 2: l1 <-> l2 via list items, l2 also holds a marker instance;
#           l1.remove(l2); del l1, l2 -> lists and marker dead at once.
#   part 3: dict d <-> instance x; del d["x"]; del d, x -> both dead at once.
#
# Heap mapping:
#   a = C(); b = C(); a.ref = b; b.ref = a
#   del a.ref            -> clear field a.ref (decref b)
#   del a; del b         -> b freed (refcount 0) -> decref a -> a freed
#   l1 = []; l2 = []; m = C(); l2.append(m); l1.append(l2); l2.append(l1)
#   l1.remove(l2)        -> remove item (decref l2)
#   del l1; del l2       -> l2 freed -> l1 freed, m freed
#   d = {}; x = C(); d["x"] = x; x.table = d
#   del d["x"]           -> remove dict entry
#   del d; del x         -> x freed -> d freed
#   gc.collect()         -> 0 after each part
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


# part 1
a = C()
b = C()
a.ref = b
b.ref = a
wa = weakref.ref(a)
wb = weakref.ref(b)
del a.ref
out("p1_refs_b_after_unlink", sys.getrefcount(b) - 1)
del a
out("p1_alive_a_after_del_a", wa() is not None)
del b
out("p1_alive_a", wa() is not None)
out("p1_alive_b", wb() is not None)
out("p1_collected", gc.collect())

# part 2
l1 = []
l2 = []
m = C()
wm = weakref.ref(m)
l2.append(m)
del m
l1.append(l2)
l2.append(l1)
l1.remove(l2)
out("p2_len_l1", len(l1))
out("p2_refs_l1", sys.getrefcount(l1) - 1)
del l1
del l2
out("p2_alive_marker", wm() is not None)
out("p2_collected", gc.collect())

# part 3
d = {}
x = C()
wx = weakref.ref(x)
d["x"] = x
x.table = d
del d["x"]
del d
out("p3_alive_x_after_del_d", wx() is not None)
del x
out("p3_alive_x", wx() is not None)
out("p3_collected", gc.collect())
