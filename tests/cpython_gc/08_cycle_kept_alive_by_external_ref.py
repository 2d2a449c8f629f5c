# 08_cycle_kept_alive_by_external_ref.py
#
# Shows: a 2-cycle that is still referenced from a live container is not
# garbage: collect finds 0 (in every generation). When that external
# reference is removed the cycle becomes garbage and collect finds 2.
#
# Heap mapping:
#   a = C(); b = C(); a.ref = b; b.ref = a   -> allocate 2 instances, 2 fields
#   keep = [a]                                -> allocate list "keep", append a
#   del a, b                                  -> drop both names
#   gc.collect(0); gc.collect(1); gc.collect()-> 0, 0, 0 (keep roots the cycle)
#   keep.remove(<a>)                          -> list drops its reference to a
#   gc.collect()                              -> collect gen 2: 2
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
keep = [a]
wa = weakref.ref(a)
wb = weakref.ref(b)
del a
del b
out("collected_gen0", gc.collect(0))
out("collected_gen1", gc.collect(1))
out("collected_gen2", gc.collect(2))
out("alive_a", wa() is not None)
out("alive_b", wb() is not None)
out("refs_a", sys.getrefcount(wa()) - 1)

keep.remove(wa())
out("keep_len", len(keep))
out("alive_a_before_collect", wa() is not None)
out("collected_after_release", gc.collect())
out("alive_a_after_release", wa() is not None)
out("alive_b_after_release", wb() is not None)
