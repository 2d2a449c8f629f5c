# 29_list_free_list_count_quirk.py
#
# Shows a CPython artefact (model it only if heapd models type free lists):
# generation-0 count0 is advanced only by *fresh* container allocations and
# lowered only by deallocations that really free the block. A freed list goes
# to the list free list (capacity 80) instead, which does NOT lower count0,
# and a list taken from the free list does NOT raise it. Instances (user
# class) have no free list, so their counts are exact.
# A full collection empties the free lists, so after gc.collect() the free
# list is empty.
#   100 fresh lists               -> +100
#   free all 100                  -> 80 go to the free list (no change), 20
#                                    really freed (-20): delta 80
#   allocate 50 lists             -> all 50 from the free list: delta still 80
#   allocate 40 more              -> 30 from the free list, 10 fresh: delta 90
#
# Heap mapping: allocate list x N, drop x N; compare count0 deltas.
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


holder = []
gc.collect()
gc.get_count()  # warm-up (3-tuple free list)
base = gc.get_count()[0]
for i in range(100):
    holder.append([])
d_alloc = gc.get_count()[0] - base
del holder[:]
d_freed = gc.get_count()[0] - base
for i in range(50):
    holder.append([])
d_realloc50 = gc.get_count()[0] - base
for i in range(40):
    holder.append([])
d_realloc90 = gc.get_count()[0] - base

out("count0_delta_after_100_lists", d_alloc)
out("count0_delta_after_freeing_100", d_freed)
out("count0_delta_after_50_more", d_realloc50)
out("count0_delta_after_40_more", d_realloc90)
