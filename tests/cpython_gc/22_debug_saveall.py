# 22_debug_saveall.py
#
# Shows: with gc.set_debug(gc.DEBUG_SAVEALL) unreachable objects are not
# freed but appended to gc.garbage (which keeps them alive). collect still
# counts them, and a second collect does not count them again (they are
# reachable from gc.garbage now). Note that weakrefs to them are cleared
# anyway (weakref clearing happens before the objects are saved). After
# turning SAVEALL off and emptying gc.garbage the objects are unreachable
# cycles again and the next collect frees them for real.
#
# Heap mapping:
#   set_debug(SAVEALL)
#   a = C(); b = C(); a.ref = b; b.ref = a   -> 2-cycle
#   l = []; l.append(l)                      -> self-cycle list
#   del a, b, l
#   gc.collect()        -> 3; gc.garbage holds 3 objects; all still alive
#   gc.collect()        -> 0 (rooted by gc.garbage)
#   set_debug(0); gc.garbage.clear()  -> the saved list drops its 3 references
#   gc.collect()        -> 3 (freed this time); gc.garbage empty
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


gc.set_debug(gc.DEBUG_SAVEALL)
a = C()
b = C()
a.ref = b
b.ref = a
l = []
l.append(l)
wa = weakref.ref(a)
del a
del b
del l
out("collected", gc.collect())
out("garbage", len(gc.garbage))
saved_instances = [o for o in gc.garbage if type(o) is C]
saved_lists = [o for o in gc.garbage if type(o) is list]
out("garbage_instances", len(saved_instances))
out("garbage_lists", len(saved_lists))
out("saved_cycle_intact", saved_instances[0].ref.ref is saved_instances[0])
out("saved_list_intact", saved_lists[0][0] is saved_lists[0])
out("weakref_cleared_although_saved", wa() is None)
# fresh weakref to a saved instance: it will tell when the object really dies
w_saved = weakref.ref(saved_instances[0])
# owners of a saved instance: its partner's field + gc.garbage (+1 for the
# saved_instances helper list, which is deleted below)
out("refs_saved_instance", sys.getrefcount(saved_instances[0]) - 1 - 1)
del saved_instances
del saved_lists
out("collected_again_while_saved", gc.collect())
out("garbage_after_second_collect", len(gc.garbage))

gc.set_debug(0)
gc.garbage.clear()
out("alive_after_clear", w_saved() is not None)
out("collected_after_clear", gc.collect())
out("garbage_after_clear", len(gc.garbage))
out("alive_final", w_saved() is not None)
