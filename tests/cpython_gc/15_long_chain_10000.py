# 15_long_chain_10000.py
#
# Shows: a singly linked chain of 10,000 instances (no cycle) rooted only by
# the head name. Deleting the head frees the whole chain by refcount cascade
# (CPython uses its trashcan to avoid deep C recursion); the tail is dead
# before any collection and collect finds 0.
#
# Heap mapping:
#   head = C(); node = head                 -> allocate instance 0
#   repeat 9,999 times: n = C(); node.next = n; node = n
#                                           -> allocate instance i, set field
#   del node, n                             -> only "head" roots the chain
#   del head                                -> decref head to 0: cascade frees 10,000
#   gc.collect()                            -> 0
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


N = 10000
head = C()
node = head
for i in range(N - 1):
    n = C()
    node.next = n
    node = n
node.next = None
wtail = weakref.ref(node)
wmid = weakref.ref(head.next.next)
del node
del n

length = 0
cur = head
while cur is not None:
    length += 1
    cur = cur.next
del cur
out("chain_length", length)
out("collected_while_rooted", gc.collect())
out("alive_tail_while_rooted", wtail() is not None)
out("refs_tail", sys.getrefcount(wtail()) - 1)

del head
out("alive_tail_after_del_head", wtail() is not None)
out("alive_mid_after_del_head", wmid() is not None)
out("collected", gc.collect())
