# 19_threshold_gen1_collection.py
#
# Shows: how automatic collections pick a generation. With thresholds
# (700, 10, 10), every 701 net new container allocations trigger a collection.
# count1 (gen-0 collections since the last gen-1 collection) is incremented at
# the start of each gen-0 collection and a generation is chosen only when its
# count EXCEEDS its threshold, so the first 11 automatic collections are
# generation 0 and the 12th is generation 1 (count1 = 11 > 10). Generation 2
# never runs here. After exactly 12 * 701 allocations count0 is 0 again,
# count1 was reset by the gen-1 collection and count2 is 1.
#
# Heap mapping:
#   set_threshold(700, 10, 10); keep = []; collect gen 2; enable automatic GC
#   8412 x (= 12 * 701): keep.append([])   -> allocate list, append
#   expect automatic collections: gens 0 x 11, then gen 1
#   read get_count() -> (0, 0, 1)
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

for i in range(12 * 701):
    keep.append([])

gc.disable()
gc.callbacks.remove(cb)
count0, count1, count2 = gc.get_count()

out("collections", len(gens))
out("collections_gen0", gens.count(0))
out("collections_gen1", gens.count(1))
out("collections_gen2", gens.count(2))
out("first_gen1_collection_index", gens.index(1) + 1)
out("count0", count0)
out("count1", count1)
out("count2", count2)
