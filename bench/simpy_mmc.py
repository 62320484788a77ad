#!/usr/bin/python3
"""M/M/16 at rho = 0.9 in idiomatic SimPy: the baseline of `make bench`.

Arrivals at 6.037735849/s, 16 servers, exponential service of mean
2.385 s (scenarios/mmc.yaml).  Usage: simpy_mmc.py CUSTOMERS [SEED].
Prints the customers served and their mean wait in queue (Erlang C: 0.881
s) so that a reader can see it simulates the same queue.
"""
import random
import sys

import simpy

RATE, SERVERS, MEAN_SERVICE = 6.037735849, 16, 2.385


def customer(env, servers, rng, stats):
    arrived = env.now
    with servers.request() as req:
        yield req
        stats["wait"] += env.now - arrived
        yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE))
    stats["served"] += 1


def source(env, servers, rng, stats, customers):
    for _ in range(customers):
        yield env.timeout(rng.expovariate(RATE))
        env.process(customer(env, servers, rng, stats))


def main():
    customers = int(float(sys.argv[1]))
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    stats = {"wait": 0.0, "served": 0}
    env.process(source(env, servers, rng, stats, customers))
    env.run()
    print("customers %d mean_wait %.4f" %
          (stats["served"], stats["wait"] / stats["served"]))


if __name__ == "__main__":
    main()
