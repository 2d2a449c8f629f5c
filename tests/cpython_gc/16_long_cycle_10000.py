# 16_long_cycle_10000.py
#
# Shows: a ring of 10,000 instances (the tail points back to the head).
# Deleting the head name frees nothing (every node still has one owner);
# collect finds all 10,000.
#
# Heap mapping:
#   head = C(); node = head                 -> allocate instance 0
#   repeat 9,999 times: n = C(); node.next = n; node = n
#   node.next = head                        -> close the ring
#   del node, n, head                       -> drop all names
#   gc.collect()                            -> 10000
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
node.next = head
wtail = weakref.ref(node)
whead = weakref.ref(head)
del node
del n

length = 1
cur = head.next
while cur is not head:
    length += 1
    cur = cur.next
del cur
out("ring_length", length)
out("collected_while_rooted", gc.collect())
out("refs_head", sys.getrefcount(head) - 1)

del head
out("alive_head_after_del", whead() is not None)
out("alive_tail_after_del", wtail() is not None)
out("collected", gc.collect())
out("alive_head", whead() is not None)
out("alive_tail", wtail() is not None)
out("collected_again", gc.collect())
