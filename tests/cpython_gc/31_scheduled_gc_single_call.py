# 31_scheduled_gc_single_call.py
#
# Shows: WHEN an automatic collection runs. Since 3.12 crossing threshold0
# only schedules a collection; it runs at the next "safe point" (eval-breaker
# check: loop back-edge, function entry, after a call). So 2000 container
# allocations made inside ONE C-level call (list(map(list, src)) builds 2000
# empty lists without returning to the bytecode loop) trigger exactly 1
# collection, after the call. The same 2000 allocations made one per loop
# iteration trigger 2 (at the 701st and 1402nd). For heapd: a collection is
# triggered at most once per request, at the request boundary, no matter how
# many allocations the request made.
# VERSION-DEPENDENT: 3.11 collects synchronously inside the allocation and
# prints batch 2; 3.12 and 3.13 print 1.
#
# Heap mapping:
#   set_threshold(700, 10, 10); src = [()] * 2000; collect gen 2 (count0 = 0)
#   batch: keep = list(map(list, src)) -> 2000 list allocations (+ map object)
#          inside one operation -> 1 collection (generation 0)
#   loop:  collect gen 2; 2000 x keep2.append([]) -> 2 collections
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


src = [()] * 2000
gc.collect()
gc.callbacks.append(cb)
gc.enable()
keep = list(map(list, src))
n_batch = len(gens)
gc.disable()
gen_batch = gens[0] if gens else -1

keep2 = []
gc.callbacks.remove(cb)
gc.collect()
gens.clear()
gc.callbacks.append(cb)
gc.enable()
for i in range(2000):
    keep2.append([])
n_loop = len(gens)
gc.disable()
gc.callbacks.remove(cb)

out("batch_lists", len(keep))
out("collections_batch_in_one_call", n_batch)
out("batch_collection_generation", gen_batch)
out("collections_loop", n_loop)
