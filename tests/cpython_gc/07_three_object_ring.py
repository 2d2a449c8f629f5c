# 07_three_object_ring.py
#
# Shows: a ring a -> b -> c -> a. While any one name still points into the
# ring the whole ring is reachable (collect finds 0); once the last name is
# dropped collect finds all 3.
#
# Heap mapping:
#   a, b, c = C(), C(), C()   -> allocate instances a, b, c
#   a.next = b; b.next = c; c.next = a   -> set fields (ring)
#   del a; del b              -> drop two names; c still rooted
#   gc.collect()              -> collect gen 2: 0
#   del c                     -> drop the last name
#   gc.collect()              -> collect gen 2: 3
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
c = C()
a.next = b
b.next = c
c.next = a
wa = weakref.ref(a)
out("refs_a", sys.getrefcount(a) - 1)
del a
del b
out("collected_while_c_named", gc.collect())
out("alive_a_while_c_named", wa() is not None)
del c
out("collected", gc.collect())
out("alive_a", wa() is not None)
out("collected_again", gc.collect())
