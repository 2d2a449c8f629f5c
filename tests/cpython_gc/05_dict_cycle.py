# 05_dict_cycle.py
#
# Shows: cycles through dicts (string keys -> objects).
#   part 1: a dict that contains itself as a value: 1 object collected.
#   part 2: a dict holding an instance whose attribute points back to the dict:
#           2 objects collected.
#   part 3: two instances linked only through a shared dict, d["x"] = x,
#           d["y"] = y, x.table = d, y.table = d: 3 objects collected.
#
# Heap mapping:
#   d = {}; d["self"] = d      -> allocate dict "d", set key "self" -> d
#   del d                      -> drop name; collect gen 2: 1
#   t = {}; c = C()            -> allocate dict "t", instance "c"
#   t["obj"] = c; c.table = t  -> dict entry t["obj"] -> c, field c.table -> t
#   del t, c                   -> collect gen 2: 2
#   d = {}; x = C(); y = C()   -> allocate dict + 2 instances
#   d["x"] = x; d["y"] = y; x.table = d; y.table = d
#   del d, x, y                -> collect gen 2: 3
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


# part 1: dict self-loop
d = {}
d["self"] = d
out("dict_tracked", gc.is_tracked(d))
out("dict_refs", sys.getrefcount(d) - 1)
del d
out("collected_self_dict", gc.collect())

# part 2: dict <-> instance
t = {}
c = C()
t["obj"] = c
c.table = t
wc = weakref.ref(c)
del t
del c
out("alive_c_before_collect", wc() is not None)
out("collected_dict_instance", gc.collect())
out("alive_c", wc() is not None)

# part 3: two instances sharing one dict
d = {}
x = C()
y = C()
d["x"] = x
d["y"] = y
x.table = d
y.table = d
wx = weakref.ref(x)
out("dict_refs_shared", sys.getrefcount(d) - 1)
del d
del x
del y
out("collected_shared_dict", gc.collect())
out("alive_x", wx() is not None)
out("collected_again", gc.collect())
