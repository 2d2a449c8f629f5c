# 11_finalizer_resurrects_into_live_attr.py
#
# Shows: resurrection by storing self in an attribute of a live object, and
# that it does not block collection of unrelated garbage in the same pass.
# Unreachable set of the first collection: r <-> p (r has a resurrecting
# __del__, p is plain) and an unrelated self-loop g. The finalizer stores r in
# holder.saved; r and everything it reaches (p) survive and are not counted;
# g is freed: collect returns 1. Weakrefs to r and p were cleared anyway.
# Deleting holder.saved makes r <-> p garbage again: collect returns 2 and the
# finalizer is not called again.
#
# Heap mapping:
#   holder = C()                      -> allocate live instance "holder"
#   r = R(); p = C()                  -> allocate finalizable r, plain p
#   r.partner = p; p.partner = r      -> 2-cycle
#   g = C(); g.me = g                 -> unrelated self-cycle
#   del r, p, g                       -> drop names
#   gc.collect()                      -> 1 (g); finalizer sets holder.saved = r
#   del holder.saved                  -> drop field (r <-> p unreachable again)
#   gc.collect()                      -> 2 (r, p); finalizer calls still 1
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


calls = []


class R:
    def __del__(self):
        calls.append(1)
        holder.saved = self


holder = C()
r = R()
p = C()
r.partner = p
p.partner = r
g = C()
g.me = g
wr = weakref.ref(r)
wp = weakref.ref(p)
wg = weakref.ref(g)
del r
del p
del g

out("collected_first", gc.collect())
out("finalizer_calls", len(calls))
out("alive_g", wg() is not None)
out("holder_has_saved", hasattr(holder, "saved"))
out("resurrected_partner_alive", holder.saved.partner.partner is holder.saved)
out("weakref_r_cleared", wr() is None)
out("weakref_p_cleared", wp() is None)
out("resurrected_refs", sys.getrefcount(holder.saved) - 1)

del holder.saved
out("collected_second", gc.collect())
out("finalizer_calls_after_second", len(calls))
out("holder_has_saved_after_second", hasattr(holder, "saved"))
out("collected_third", gc.collect())
