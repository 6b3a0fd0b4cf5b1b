"""Peak memory of one check, per shape, each in a fresh subprocess.

For each case: ``check_layer(Layer_Dense(f, m), x)`` on a batch of ``n`` rows in the given
mode (and, for the first shape, with one wrong ``dweights`` element in the automatic
mode), run alone in a new Python process. Printed: the process's peak resident size
(``ru_maxrss``) minus the peak after the imports and data set-up (the check's own
growth), numpy's traced peak during the check (``tracemalloc``: numpy reports its
allocations to it), the verdict, the mode that ran, forward calls and wall time.

    python benchmarks/memory.py            # all shapes
    python benchmarks/memory.py --case 1024  # those whose label contains the text

The engine's memory budget (``gradcheck.engine.budget.MEMORY_BYTES``) bounds what every
stacked evaluation allocates; the target is every case under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASES = [
    # label, batch, inputs, neurons, mode, one wrong element
    ("Dense(1024, 1024) batch 1 exhaustive", 1, 1024, 1024, "exhaustive", False),
    ("Dense(1024, 1024) batch 1 auto, wrong element", 1, 1024, 1024, None, True),
    ("Dense(1024, 1024) batch 8 exhaustive", 8, 1024, 1024, "exhaustive", False),
    ("Dense(512, 512) batch 4 exhaustive", 4, 512, 512, "exhaustive", False),
    ("Dense(9999, 1) batch 1 exhaustive", 1, 9999, 1, "exhaustive", False),
]

CHILD = r"""
import json, resource, sys, time, tracemalloc
import numpy as np
from gradcheck import check_layer
from nnfs_core import Layer_Dense

n, f, m, mode, wrong = json.loads(sys.argv[1])

class OneWrongElement(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights[3 % f, 5 % m] += 1e-3 * np.abs(self.dweights).max()

cls = OneWrongElement if wrong else Layer_Dense
layer = cls(f, m, rng=np.random.default_rng(1))
x = np.random.default_rng(0).standard_normal((n, f))
# a first small check, so that lazily imported modules count in the baseline
check_layer(Layer_Dense(3, 2), np.ones((2, 3)))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
report = check_layer(layer, x, mode=mode, raise_on_failure=False)
seconds = time.perf_counter() - start
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "rss_mb": (after - before) / 1024, "peak_rss_mb": after / 1024,
    "traced_mb": traced / 2**20, "status": report.status, "mode": report.mode,
    "calls": report.evaluations, "seconds": seconds,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", default="")
    args = parser.parse_args()
    print(f"{'case':46s} {'verdict':8s} {'mode':10s} {'calls':>6s} {'seconds':>8s} "
          f"{'rss growth':>11s} {'rss peak':>9s} {'numpy peak':>11s}")
    for label, n, f, m, mode, wrong in CASES:
        if args.case not in label:
            continue
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, json.dumps([n, f, m, mode, wrong])],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0:
            print(f"{label:46s} crashed ({proc.returncode}): {proc.stderr.strip()[-200:]}")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{label:46s} {r['status']:8s} {r['mode']:10s} {r['calls']:6d} "
              f"{r['seconds']:8.2f} {r['rss_mb']:8.0f} MB {r['peak_rss_mb']:6.0f} MB "
              f"{r['traced_mb']:8.0f} MB")


if __name__ == "__main__":
    main()
