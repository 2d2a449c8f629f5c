# 18_threshold_701_allocations.py
#
# Shows: automatic generation-0 collection. With thresholds (700, 10, 10) and
# the generation-0 counter at 0 (right after a full collection), allocating
# 700 container objects does not trigger a collection; the 701st does
# (count0 > threshold0), and it is a generation-0 collection. The counter then
# restarts at 0, so the next 700 allocations again trigger nothing and the
# 701st triggers the second collection.
#
# Automatic collections are observed through gc.callbacks (only "stop" events
# are recorded: their generation). The callback is registered right after
# the reset collection so the interpreter's own bookkeeping does not touch
# the counter. All allocated lists stay alive (kept in "keep"), so none is
# freed and no free-list reuse happens.
#
# Heap mapping:
#   set_threshold(700, 10, 10); keep = []; collect gen 2 (count0 = 0)
#   enable automatic GC
#   700 x: keep.append([])   -> allocate list, append to keep: 0 collections
#   1 x:   keep.append([])   -> 701st allocation: 1 automatic gen-0 collection
#   700 x: keep.append([])   -> still 1
#   1 x:   keep.append([])   -> 2
#
# Version note: 3.13's default threshold0 is 2000; the explicit set_threshold
# makes the numbers identical in 3.11/3.12/3.13. 3.12+ runs the collection at
# the next eval-breaker check instead of inside the allocation; the counts
# observed between statements are the same.
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


gc.set_threshold(700, 10, 10)
gens = []


def cb(phase, info):
    if phase == "stop":
        gens.append(info["generation"])


keep = []
gc.collect()
gc.callbacks.append(cb)
gc.enable()

for i in range(700):
    keep.append([])
n_after_700 = len(gens)
keep.append([])
n_after_701 = len(gens)
for i in range(700):
    keep.append([])
n_after_1401 = len(gens)
keep.append([])
n_after_1402 = len(gens)

gc.disable()
gc.callbacks.remove(cb)

out("collections_after_700", n_after_700)
out("collections_after_701", n_after_701)
out("collections_after_1401", n_after_1401)
out("collections_after_1402", n_after_1402)
out("first_collection_generation", gens[0])
out("second_collection_generation", gens[1])
out("lists_alive", len(keep))
