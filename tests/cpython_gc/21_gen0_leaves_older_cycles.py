# 21_gen0_leaves_older_cycles.py
#
# Shows: generational collection. A young collection only examines the
# young generation(s); references from older generations act as roots, and
# garbage that has already been promoted is invisible to it.
#   part 1: cycle a <-> b, rooted; collect(0) -> 0, survivors promoted to gen 1.
#           Drop the names: collect(0) -> 0 (garbage sits in gen 1);
#           collect(1) -> 2.
#   part 2: cycle c <-> d, rooted; collect(0) then collect(1) promote it to
#           gen 2. Drop the names: collect(0) -> 0, collect(1) -> 0,
#           collect(2) -> 2.
#   part 3: a gen-0 self-cycle referenced only from a promoted (gen 1)
#           object survives collect(0): the old -> young edge counts as an
#           external reference. It is promoted to gen 1 by that collect(0), so
#           after unlinking it only collect(1) finds it (collect(0) -> 0).
#
# Heap mapping:
#   a = C(); b = C(); a.ref = b; b.ref = a; collect gen 0   (promote to gen 1)
#   del a, b; collect gen 0 -> 0; collect gen 1 -> 2
#   c = C(); d = C(); c.ref = d; d.ref = c; collect gen 0; collect gen 1 (gen 2)
#   del c, d; collect gen 0 -> 0; collect gen 1 -> 0; collect gen 2 -> 2
#   old = C(); collect gen 0 (old in gen 1); old.child = C() with child.me = child
#   collect gen 0 -> 0 (child survives, promoted to gen 1)
#   del old.child; collect gen 0 -> 0; collect gen 1 -> 1
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


# part 1
a = C()
b = C()
a.ref = b
b.ref = a
wa = weakref.ref(a)
out("p1_collect0_rooted", gc.collect(0))
del a
del b
out("p1_collect0_after_del", gc.collect(0))
out("p1_alive_after_collect0", wa() is not None)
out("p1_collect1_after_del", gc.collect(1))
out("p1_alive_after_collect1", wa() is not None)

# part 2
c = C()
d = C()
c.ref = d
d.ref = c
wc = weakref.ref(c)
out("p2_collect0_rooted", gc.collect(0))
out("p2_collect1_rooted", gc.collect(1))
del c
del d
out("p2_collect0_after_del", gc.collect(0))
out("p2_collect1_after_del", gc.collect(1))
out("p2_alive_after_collect1", wc() is not None)
out("p2_collect2_after_del", gc.collect(2))
out("p2_alive_after_collect2", wc() is not None)

# part 3
old = C()
out("p3_collect0_promote_old", gc.collect(0))
child = C()
child.me = child
old.child = child
wchild = weakref.ref(child)
del child
out("p3_collect0_child_rooted_by_old", gc.collect(0))
out("p3_child_alive", wchild() is not None)
del old.child
out("p3_collect0_after_unlink", gc.collect(0))
out("p3_collect1_after_unlink", gc.collect(1))
out("p3_child_alive_after_collect1", wchild() is not None)
