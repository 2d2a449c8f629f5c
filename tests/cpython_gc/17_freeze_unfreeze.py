# 17_freeze_unfreeze.py
#
# Shows: gc.freeze() moves every tracked object into the permanent generation,
# which collections never examine. A cycle frozen while alive and then made
# unreachable is not collected (collect returns 0, it stays alive). After
# gc.unfreeze() the permanent generation is merged back into the oldest
# generation and the next full collection frees the cycle (2).
#
# The absolute freeze count includes all of the interpreter's own tracked
# objects (and in 3.12 also ~375 immortal objects that collections move into
# the permanent generation), so the program reports a delta: freeze once to
# park everything else, build the cycle, freeze again; the difference is
# exactly our 2 objects.
#
# Heap mapping:
#   gc.freeze()                              -> freeze (baseline)
#   a = C(); b = C(); a.ref = b; b.ref = a   -> 2-cycle
#   gc.freeze()                              -> freeze: permanent gen grows by 2,
#                                               all generation counters reset to 0
#   del a, b                                 -> drop names
#   gc.collect()                             -> 0 (frozen objects are not examined)
#   gc.unfreeze()                            -> permanent gen emptied into gen 2 (count 0)
#   gc.collect()                             -> 2
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


gc.freeze()
frozen_baseline = gc.get_freeze_count()
a = C()
b = C()
a.ref = b
b.ref = a
gc.freeze()
count0_after_freeze = gc.get_count()[0]
frozen_with_cycle = gc.get_freeze_count()
# weakrefs are tracked containers too: create them after the freeze so the
# delta counts only the two instances
wa = weakref.ref(a)
wb = weakref.ref(b)
out("freeze_count_delta", frozen_with_cycle - frozen_baseline)
out("count0_after_freeze", count0_after_freeze)

del a
del b
out("collected_while_frozen", gc.collect())
out("alive_a_while_frozen", wa() is not None)
out("alive_b_while_frozen", wb() is not None)

gc.unfreeze()
out("freeze_count_after_unfreeze", gc.get_freeze_count())
out("collected_after_unfreeze", gc.collect())
out("alive_a", wa() is not None)
out("alive_b", wb() is not None)
out("collected_again", gc.collect())
