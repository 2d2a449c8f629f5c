# 30_default_threshold.py
#
# Shows: the DEFAULT thresholds, deliberately without gc.set_threshold.
# VERSION-DEPENDENT on purpose: CPython 3.8-3.12 default to (700, 10, 10),
# 3.13 to (2000, 10, 10). The .expected file records 3.12.1:
#   threshold0 700; 701 container allocations -> 1 automatic collection;
#   2001 allocations -> 2 collections (at the 701st and the 1402nd).
# Under 3.13.0 the same program prints threshold0 2000, 0 and 1.
#
# Heap mapping:
#   keep = []; collect gen 2 (count0 = 0); enable automatic GC (defaults)
#   701 x keep.append([])     -> collections so far
#   1300 x keep.append([])    -> collections so far (2001 allocations in all)
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


gens = []


def cb(phase, info):
    if phase == "stop":
        gens.append(info["generation"])


threshold0, threshold1, threshold2 = gc.get_threshold()
keep = []
gc.collect()
gc.callbacks.append(cb)
gc.enable()
for i in range(701):
    keep.append([])
n_after_701 = len(gens)
for i in range(1300):
    keep.append([])
n_after_2001 = len(gens)
gc.disable()
gc.callbacks.remove(cb)

out("threshold0", threshold0)
out("threshold1", threshold1)
out("threshold2", threshold2)
out("collections_after_701", n_after_701)
out("collections_after_2001", n_after_2001)
