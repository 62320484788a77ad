#!/usr/bin/python3
"""slmsim against SimPy and a heapq loop on M/M/16 at rho = 0.9.

Usage: mmc_compare.py SLMSIM [ROUNDS [TIGHT]].  Each round runs them one
after the other (interleaved, so a load change on the machine hits all
alike): slmsim on scenarios/mmc.yaml for 10^6 customers (one
replication, no warm-up, no figures), bench/simpy_mmc.py and
bench/heapq_mmc.py for 10^5, and when given TIGHT, bench/tight_mmc.c's
binary (the same queue and per-customer statistics as a hand-written C
loop, no engine) for 10^6.  Time is the child's CPU time (user + sys,
from getrusage), which a busy shared machine disturbs less than wall
time; wall time is printed beside it.  The table gives medians per
simulated customer and slmsim's speed-up over each.
"""
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

RATE = 6.037735849
HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"  # Debian's, where python3-simpy3 installs simpy


def timed(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main():
    slmsim = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    out = tempfile.mkdtemp(prefix="slmsim-bench-")
    n_c, n_py = 1e6, 1e5
    runs = {
        "slmsim": (n_c, [slmsim, "run", "-q", "--no-plots", "--set",
                         "horizon=%.17gs" % (n_c / RATE), "--set",
                         "warmup=0s", "--replications", "1", "--out", out,
                         os.path.join(HERE, "..", "scenarios", "mmc.yaml")]),
        "simpy": (n_py, [PY, os.path.join(HERE, "simpy_mmc.py"),
                         "%d" % n_py]),
        "heapq": (n_py, [PY, os.path.join(HERE, "heapq_mmc.py"),
                         "%d" % n_py]),
    }
    if len(sys.argv) > 3:
        runs["tight"] = (n_c, [sys.argv[3], "%d" % n_c])
    cpu = {k: [] for k in runs}
    wall = {k: [] for k in runs}
    for _ in range(rounds):
        for name, (n, cmd) in runs.items():
            c, w = timed(cmd)
            cpu[name].append(c / n * 1e6)
            wall[name].append(w / n * 1e6)
    med = {k: statistics.median(v) for k, v in cpu.items()}
    print("M/M/16 rho=0.9, %d interleaved rounds; microseconds per simulated "
          "customer (median)" % rounds)
    print("%-8s %12s %12s %12s" % ("engine", "customers", "cpu us/cust",
                                   "wall us/cust"))
    for k in runs:
        print("%-8s %12.0f %12.3f %12.3f" % (k, runs[k][0], med[k],
                                             statistics.median(wall[k])))
    print("slmsim vs simpy: %.1fx   slmsim vs heapq: %.1fx   (cpu time; "
          "targets 100x and 10x)" % (med["simpy"] / med["slmsim"],
                                     med["heapq"] / med["slmsim"]))
    if "tight" in med:
        print("slmsim vs the tight C loop: %.2fx its time (the engine's "
              "generality; 100x SimPy needs at most %.2fx)"
              % (med["slmsim"] / med["tight"],
                 med["simpy"] / 100 / med["tight"]))


if __name__ == "__main__":
    main()
