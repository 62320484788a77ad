#!/usr/bin/python3
"""M/M/16 at rho = 0.9 as a hand-written heapq event loop: the fast Python
baseline of `make bench` (same queue as simpy_mmc.py).

Usage: heapq_mmc.py CUSTOMERS [SEED].  Prints the customers served and
their mean wait in queue (Erlang C: 0.881 s).
"""
import heapq
import random
import sys
from collections import deque

RATE, SERVERS, MEAN_SERVICE = 6.037735849, 16, 2.385


def main():
    customers = int(float(sys.argv[1]))
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    expo = rng.expovariate
    push, pop = heapq.heappush, heapq.heappop
    events = [(expo(RATE), 0)]  # (time, 0 arrival | 1 departure)
    queue = deque()
    busy = arrived = served = 0
    wait = 0.0
    mu = 1.0 / MEAN_SERVICE
    while events:
        now, kind = pop(events)
        if kind == 0:
            arrived += 1
            if arrived < customers:
                push(events, (now + expo(RATE), 0))
            if busy < SERVERS:
                busy += 1
                push(events, (now + expo(mu), 1))
            else:
                queue.append(now)
        else:
            served += 1
            if queue:
                wait += now - queue.popleft()
                push(events, (now + expo(mu), 1))
            else:
                busy -= 1
    print("customers %d mean_wait %.4f" % (served, wait / served))


if __name__ == "__main__":
    main()
