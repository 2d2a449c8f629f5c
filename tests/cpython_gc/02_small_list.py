# 02_small_list.py
#
# Shows: a small list is a tracked container; owners are counted by refcount;
# an instance held only by the list dies as soon as the list dies (refcount
# cascade, no collection needed); collect finds 0 afterwards.
#
# Heap mapping:
#   l = [1, 2, 3]        -> allocate list "l" with three atomic int leaves
#   outer = [l]          -> allocate list "outer", append l (l now has 2 owners)
#   c = C()              -> allocate instance "c"
#   l.append(c)          -> append c to l
#   del c                -> drop the name's reference (l still owns c)
#   del outer            -> outer freed by refcount; l back to 1 owner
#   del l                -> l freed by refcount, cascade frees c
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


class C:
    pass


l = [1, 2, 3]
out("tracked", gc.is_tracked(l))
out("len", len(l))
out("referents", len(gc.get_referents(l)))
out("refs", sys.getrefcount(l) - 1)

outer = [l]
out("refs_after_outer", sys.getrefcount(l) - 1)

c = C()
wc = weakref.ref(c)
l.append(c)
del c
out("instance_refs", sys.getrefcount(wc()) - 1)
out("alive_c_after_del_name", wc() is not None)

del outer
out("refs_after_del_outer", sys.getrefcount(l) - 1)

del l
out("alive_c_after_del_list", wc() is not None)
out("collected", gc.collect())
