# 12_weakref_callback_on_garbage.py
#
# Shows: a live weakref (held by a name) to a member of a garbage cycle. The
# collector clears the weakref and then runs its callback once; inside the
# callback the referent is already gone (wr() is None). The weakref object
# itself is alive, so collect counts only the 2 cycle members.
# Refcount path: a weakref to an acyclic instance fires at the instance's
# last decref, without any collection.
#
# Heap mapping:
#   a = C(); b = C(); a.ref = b; b.ref = a  -> 2-cycle
#   w = weakref.ref(a, cb)                  -> allocate weakref to a with callback
#   del a, b                                -> drop names
#   gc.collect()                            -> 2; callback fired 1; w() is None
#   x = C(); w2 = weakref.ref(x, cb); del x -> x freed by refcount, callback fired
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


callback_saw_none = []


def cb(wr):
    callback_saw_none.append(wr() is None)


a = C()
b = C()
a.ref = b
b.ref = a
w = weakref.ref(a, cb)
out("weakref_count_a", weakref.getweakrefcount(a))
del a
del b
out("alive_before_collect", w() is not None)
out("callbacks_before_collect", len(callback_saw_none))
out("collected", gc.collect())
out("callbacks", len(callback_saw_none))
out("callback_saw_none", all(callback_saw_none))
out("w_is_none", w() is None)
out("collected_again", gc.collect())
out("callbacks_after_second_collect", len(callback_saw_none))

x = C()
w2 = weakref.ref(x, cb)
del x
out("callbacks_refcount_path", len(callback_saw_none))
out("w2_is_none", w2() is None)
out("collected_after_refcount_path", gc.collect())
