"""BLAS threads during a check: the library's default against one thread, idle and loaded.

For a few checks, prints the median wall time with the BLAS/OpenMP pools left at their
default (``gradcheck.engine.threads.THREADS = None``: what every check did before the
cap) and capped to one thread during the check (``THREADS = 1``, the default now), first
on the machine as it is, then with the machine loaded by this script: one busy-loop
process per core. Also the per-check cost of capping itself on a 5x3 ReLU exhaustive
check, and the machine's load (``os.getloadavg``).

    python benchmarks/threads.py [--repeat N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from gradcheck import check_layer
from gradcheck.engine import threads
from nnfs_core import Activation_ReLU, Layer_Dense


def busy(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(10_000):
            x += 1


def cases():
    rng = np.random.default_rng(0)
    x64 = rng.standard_normal((64, 32))
    x256 = rng.standard_normal((256, 256))
    x5 = rng.standard_normal((5, 3))
    return [
        ("ReLU 5x3 exhaustive", lambda: check_layer(Activation_ReLU(), x5, mode="exhaustive")),
        ("Dense 64x32->16 exhaustive",
         lambda: check_layer(Layer_Dense(32, 16, rng=np.random.default_rng(1)), x64,
                             mode="exhaustive")),
        ("Dense 256x256->256 fast",
         lambda: check_layer(Layer_Dense(256, 256, rng=np.random.default_rng(1)), x256,
                             mode="fast")),
        ("Dense 128x256->256 exhaustive",
         lambda: check_layer(Layer_Dense(256, 256, rng=np.random.default_rng(1)), x256[:128],
                             mode="exhaustive")),
    ]


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def table(repeat: int, label: str) -> None:
    print(f"\n{label} (load average {os.getloadavg()[0]:.2f})")
    print(f"{'check':32s} {'default threads':>16s} {'one thread':>11s} {'ratio':>6s}")
    for name, fn in cases():
        reps = max(3, repeat // 4) if "exhaustive" in name and "Dense 128" in name else repeat
        threads.THREADS = None
        default = median_ms(fn, reps)
        threads.THREADS = 1
        one = median_ms(fn, reps)
        print(f"{name:32s} {default:13.2f} ms {one:8.2f} ms {default / one:6.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    pools = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    print(f"{cores} cores; thread pools at their defaults: {pools}")

    # what capping costs per check: enter/exit of the cached controller's limit
    threads.controller()
    limiter_us = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(1000):
            with threads.capped():
                pass
        limiter_us.append((time.perf_counter() - start) * 1e3)
    print(f"capping and restoring, per check: {statistics.median(limiter_us):.1f} us")

    table(args.repeat, "machine as it is")
    stop = mp.Event()
    procs = [mp.Process(target=busy, args=(stop,), daemon=True) for _ in range(cores)]
    for p in procs:
        p.start()
    try:
        time.sleep(2.0)  # let the load average notice
        table(args.repeat, f"loaded by {cores} busy-loop processes")
    finally:
        stop.set()
        for p in procs:
            p.join()
    threads.THREADS = 1


if __name__ == "__main__":
    main()
