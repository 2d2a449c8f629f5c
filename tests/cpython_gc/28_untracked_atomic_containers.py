# 28_untracked_atomic_containers.py
#
# Shows a CPython optimisation that changes collect() counts: containers
# that can only ever hold atomic values are not tracked by the collector, so
# when they die as part of a garbage cycle they are freed by refcounting
# (after the cycle is cleared) and are NOT counted.
#   * dict whose keys and values are all atomic: never tracked (3.8-3.13).
#     A list is always tracked, whatever it holds.
#   * tuple of atomics: tracked when created, untracked by the first
#     collection it survives (untrack_tuples runs on survivors).
# Parts:
#   p1: a <-> b, a.meta = {"k": 1} (untracked dict), a.items = [1, 2] (list):
#       collect -> 3 (a, b, list; not the dict)
#   p2: t = tuple([1, 2]): tracked; after collect(0): untracked
#   p3: a <-> b, a.pair = tuple([1, 2]) created and dropped with the cycle
#       before any collection: collect -> 3 (tuple still tracked)
#   p4: same, but a collection runs while the cycle is alive (tuple untracked):
#       collect -> 2
#   p5: d = {"k": 1}: untracked; d["obj"] = C() makes it tracked
#
# Heap mapping: as above; "atomic dict"/"atomic tuple" are containers whose
# every key/value/item is an int or str leaf.
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


# p1
a = C()
b = C()
a.ref = b
b.ref = a
a.meta = {"k": 1}
a.items = [1, 2]
out("p1_atomic_dict_tracked", gc.is_tracked(a.meta))
out("p1_atomic_list_tracked", gc.is_tracked(a.items))
del a
del b
out("p1_collected", gc.collect())

# p2
t = tuple([1, 2])
out("p2_tuple_tracked_at_creation", gc.is_tracked(t))
gc.collect(0)
out("p2_tuple_tracked_after_collect0", gc.is_tracked(t))
del t

# p3
a = C()
b = C()
a.ref = b
b.ref = a
a.pair = tuple([1, 2])
del a
del b
out("p3_collected", gc.collect())

# p4
a = C()
b = C()
a.ref = b
b.ref = a
a.pair = tuple([1, 2])
out("p4_collected_while_alive", gc.collect())
out("p4_tuple_tracked_after_survival", gc.is_tracked(a.pair))
del a
del b
out("p4_collected", gc.collect())

# p5
d = {"k": 1}
out("p5_atomic_dict_tracked", gc.is_tracked(d))
d["obj"] = C()
out("p5_dict_tracked_after_instance_value", gc.is_tracked(d))
del d
out("p5_collected", gc.collect())
