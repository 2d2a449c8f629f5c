# 04_instance_pair_cycle.py
#
# Shows: two instances referring to each other through attributes. Deleting
# one name frees nothing (the partner still owns it); deleting both leaves an
# unreachable 2-cycle that only the collector frees. In 3.11+ an instance's
# attribute storage is not a separate GC object, so the cycle counts 2.
#
# Heap mapping:
#   a = C(); b = C()     -> allocate instances "a", "b"
#   a.ref = b            -> set field a.ref -> b
#   b.ref = a            -> set field b.ref -> a
#   del a                -> drop name a (b.ref still owns a)
#   del b                -> drop name b (cycle now unreachable)
#   gc.collect()         -> collect gen 2: 2
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
wa = weakref.ref(a)
wb = weakref.ref(b)
out("refs_a", sys.getrefcount(a) - 1)
out("refs_b", sys.getrefcount(b) - 1)

del a
out("alive_a_after_del_a", wa() is not None)
out("refs_a_after_del_a", sys.getrefcount(wa()) - 1)
del b
out("alive_a_before_collect", wa() is not None)
out("alive_b_before_collect", wb() is not None)
out("collected", gc.collect())
out("alive_a", wa() is not None)
out("alive_b", wb() is not None)
out("collected_again", gc.collect())
