# 20_get_count_readings.py
#
# Shows: what gc.get_count() reports (automatic GC disabled throughout).
#   count0 = new container allocations minus container deallocations since the
#            last collection: +1 per instance allocated, -1 per instance
#            freed; atomic objects (floats) never count.
#   collect(g) zeroes count0..g and bumps count[g+1]:
#            collect(0) -> (0, 1, 0); collect(1) -> (0, 0, 1); collect(2) -> (0, 0, 0)
#   (this is CPython's test_collect_generations).
#
# Readings are deltas against a baseline taken just before the allocations.
# Interpreter bookkeeping is kept out of the numbers: the first gc.get_count()
# call is a warm-up that fills the 3-tuple free list (later readings allocate
# no new container), and all values are printed only at the end because the
# first print() call allocates container objects of its own.
#
# Heap mapping:
#   holder = []; atom = []; collect gen 2; baseline
#   100 x: holder.append(C())          -> allocate instance, append: delta +100
#   50 x:  atom.append(i * 0.5)        -> atomic float leaves: still +100
#   del holder[:40]                    -> 40 instances freed by refcount: delta 60
#   collect(0), collect(1), collect(2) -> absolute counts after each
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


holder = []
atom = []
gc.collect()
gc.get_count()  # warm-up
base = gc.get_count()[0]
for i in range(100):
    holder.append(C())
d_instances = gc.get_count()[0] - base
for i in range(50):
    atom.append(i * 0.5)
d_floats = gc.get_count()[0] - base
del holder[:40]
d_freed = gc.get_count()[0] - base

gc.collect(0)
after0 = gc.get_count()
gc.collect(1)
after1 = gc.get_count()
gc.collect(2)
after2 = gc.get_count()

out("count0_delta_after_100_instances", d_instances)
out("count0_delta_after_50_floats", d_floats)
out("count0_delta_after_freeing_40", d_freed)
for g, counts in ((0, after0), (1, after1), (2, after2)):
    for i in range(3):
        out("after_collect%d_count%d" % (g, i), counts[i])
