# 25_set_cycle.py
#
# Shows: a cycle through a set. A set holds (hashable) instances; one of them
# points back to the set through an attribute. 3 objects collected: the set
# and its 2 instances. Removing the back-link instead (s.discard) lets
# refcounting free it all.
#
# Heap mapping:
#   s = set(); x = C(); y = C()   -> allocate set, 2 instances
#   s.add(x); s.add(y)            -> set members (edges s -> x, s -> y)
#   x.owner = s                   -> field x.owner -> s (closes the cycle)
#   del s, x, y                   -> collect gen 2: 3
#   part 2: same shape, then s.discard(x) before dropping the names -> 0
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


s = set()
x = C()
y = C()
s.add(x)
s.add(y)
x.owner = s
wy = weakref.ref(y)
out("set_tracked", gc.is_tracked(s))
out("set_refs", sys.getrefcount(s) - 1)
del s
del x
del y
out("alive_y_before_collect", wy() is not None)
out("collected", gc.collect())
out("alive_y", wy() is not None)

s = set()
x = C()
y = C()
s.add(x)
s.add(y)
x.owner = s
wx = weakref.ref(x)
s.discard(x)
del s
del x
del y
out("p2_alive_x", wx() is not None)
out("p2_collected", gc.collect())
