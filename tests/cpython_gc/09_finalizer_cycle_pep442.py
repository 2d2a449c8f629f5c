# 09_finalizer_cycle_pep442.py
#
# Shows: PEP 442 (3.4+). A cycle whose members have __del__ is collectable:
# every finalizer runs exactly once, before any member is cleared (so each
# finalizer still sees its partner), nothing lands in gc.garbage, and collect
# counts both objects. An acyclic object with __del__ is finalized by
# refcounting immediately at its last decref.
#
# Heap mapping:
#   a = F(); b = F()               -> allocate 2 finalizable instances
#   a.tag = 1; b.tag = 2           -> atomic int fields
#   a.partner = b; b.partner = a   -> set fields (2-cycle)
#   del a, b                       -> drop names
#   gc.collect()                   -> collect gen 2: 2; finalizers ran: 2
#   x = F(); x.partner = None; del x -> refcount 0: finalizer runs at once (1 more)
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


finalized = []      # tags of finalized objects
saw_partner = []    # did the finalizer still see its partner?


class F:
    def __del__(self):
        finalized.append(self.tag)
        saw_partner.append(self.partner is not None)


a = F()
b = F()
a.tag = 1
b.tag = 2
a.partner = b
b.partner = a
wa = weakref.ref(a)
del a
del b
out("finalizer_calls_before_collect", len(finalized))
out("collected", gc.collect())
out("finalizer_calls", len(finalized))
out("finalized_tag_sum", sum(finalized))
out("finalizers_saw_partner", all(saw_partner))
out("alive_a", wa() is not None)
out("garbage", len(gc.garbage))
out("collected_again", gc.collect())
out("finalizer_calls_after_second_collect", len(finalized))

x = F()
x.tag = 3
x.partner = None
del x
out("finalizer_calls_refcount_path", len(finalized))
out("collected_after_refcount_path", gc.collect())
