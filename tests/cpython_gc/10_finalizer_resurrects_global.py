# 10_finalizer_resurrects_global.py
#
# Shows: "Lazarus". A self-referencing instance whose __del__ stores self in a
# global list. The collection runs the finalizer, sees the object is
# referenced again, and does not free it: collect returns 0 (resurrected
# objects are not counted, 3.9+). Weakrefs to it were already cleared before
# the finalizer ran, so the weakref is dead although the object lives.
# Emptying the global list makes it garbage again: the next collect frees it
# (returns 1) and __del__ is NOT called a second time (PEP 442: finalized flag).
#
# Heap mapping:
#   saved = []                 -> allocate list "saved" (a live global)
#   z = L(); z.me = z          -> allocate finalizable instance, self field
#   del z                      -> drop name (self-cycle unreachable)
#   gc.collect()               -> collect gen 2: 0; finalizer appends z to saved
#   saved.clear()              -> list drops z (z unreachable again)
#   gc.collect()               -> collect gen 2: 1; finalizer not run again
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


saved = []
calls = []


class L:
    def __del__(self):
        calls.append(1)
        saved.append(self)


z = L()
z.me = z
wz = weakref.ref(z)
del z
out("collected_first", gc.collect())
out("finalizer_calls", len(calls))
out("saved_len", len(saved))
out("resurrected_alive", saved[0].me is saved[0])
out("weakref_cleared", wz() is None)
out("is_finalized", gc.is_finalized(saved[0]))
out("resurrected_refs", sys.getrefcount(saved[0]) - 1)
out("garbage", len(gc.garbage))

saved.clear()
out("collected_second", gc.collect())
out("finalizer_calls_after_second", len(calls))
out("saved_len_after_second", len(saved))
out("collected_third", gc.collect())
