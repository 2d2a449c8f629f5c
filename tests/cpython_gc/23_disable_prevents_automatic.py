# 23_disable_prevents_automatic.py
#
# Shows: gc.disable() stops automatic collection only; the generation-0
# counter keeps growing past threshold0 (700) without any collection. The
# first container allocation after gc.enable() sees count0 > threshold0 and
# triggers one gen-0 collection. set_threshold(0) also disables automatic
# collection even while enabled. Explicit gc.collect() still works while
# disabled.
#
# Heap mapping:
#   set_threshold(700, 10, 10); keep = []; collect gen 2 (count0 = 0)
#   disabled: 1000 x keep.append([])  -> 0 automatic collections, count0 = 1000
#   enable; keep.append([])           -> 1 automatic gen-0 collection
#   set_threshold(0); 2000 x keep.append([]) -> still 1
#   disabled: l = []; l.append(l); del l; gc.collect() -> 1 (explicit works)
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

for i in range(1000):
    keep.append([])
n_disabled = len(gens)
count0_disabled = gc.get_count()[0]

gc.enable()
keep.append([])
n_after_enable = len(gens)
gen_after_enable = gens[0] if gens else -1

gc.set_threshold(0)
for i in range(2000):
    keep.append([])
n_threshold_zero = len(gens)

gc.disable()
gc.set_threshold(700, 10, 10)
gc.callbacks.remove(cb)

out("isenabled_now", gc.isenabled())
out("collections_while_disabled", n_disabled)
out("count0_while_disabled", count0_disabled)
out("collections_after_enable_and_1_alloc", n_after_enable)
out("generation_after_enable", gen_after_enable)
out("collections_with_threshold_zero", n_threshold_zero)

l = []
l.append(l)
del l
out("explicit_collect_while_disabled", gc.collect())
