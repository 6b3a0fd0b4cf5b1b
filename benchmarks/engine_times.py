"""Per-check times of this checker on benchmarks/vs_torch.py's six cases, for two checkouts.

The same objects and data as ``vs_torch.py`` (the book's classes from tests/zoo), our
``check_layer`` / ``check_loss`` in exhaustive and fast mode only (no torch needed). Each
checkout runs in its own subprocess with its own ``gradcheck`` on ``sys.path``; the two
alternate ``--rounds`` times and each figure is the median CPU time (``process_time``,
less sensitive to a busy machine than wall time) over all rounds, one BLAS thread.

Usage: ``python benchmarks/engine_times.py BEFORE_DIR [AFTER_DIR] [--rounds 3]``
(``AFTER_DIR`` defaults to this checkout; e.g. make BEFORE_DIR with
``git worktree add /tmp/before <commit>``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

WORKER = r"""
import json, sys, time
root = sys.argv[1]
sys.path[:0] = [root, root + "/tests"]
import numpy as np
import gradcheck
assert gradcheck.__file__.startswith(root), gradcheck.__file__
from gradcheck import check_layer, check_loss
from zoo import activations, dense, losses
from zoo._entry import probabilities, set_params, sparse_labels

def dense_case(n, f, m, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, f))
    return (lambda mode: check_layer(set_params(dense.Layer_Dense(f, m), seed + 1), x,
                                     mode=mode, raise_on_failure=False))

cases = {f"dense {n}x{f}->{m}": dense_case(n, f, m) for n, f, m in
         [(8, 4, 3), (64, 32, 16), (128, 64, 32)]}
rng = np.random.default_rng(7)
z = 3 * rng.standard_normal((128, 32))
cases["softmax 128x32"] = lambda mode: check_layer(activations.Softmax_Vectorized(), z,
                                                   mode=mode, raise_on_failure=False)
r = rng.standard_normal((128, 32))
r.reshape(-1)[rng.choice(r.size, 40, replace=False)] = 0.0
cases["relu 128x32"] = lambda mode: check_layer(activations.Activation_ReLU(), r,
                                                mode=mode, raise_on_failure=False)
p = probabilities(rng, 128, 32)
y = sparse_labels(rng, 128, 32)
cases["cce 128x32"] = lambda mode: check_loss(losses.Loss_CategoricalCrossentropy(), p, y,
                                              mode=mode, raise_on_failure=False)
out = {}
for label, run in cases.items():
    for mode in ("exhaustive", "fast"):
        report = run(mode)
        assert report.ok, (label, mode, str(report))
        times = []
        budget = time.process_time()
        while len(times) < 30 and time.process_time() - budget < 1.5:
            start = time.process_time()
            run(mode)
            times.append(time.process_time() - start)
        out[f"{label}|{mode}"] = times
print(json.dumps(out))
"""


def measure(root: Path) -> dict[str, list[float]]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", WORKER, str(root)], capture_output=True,
                          text=True, env=env, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?", default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for _ in range(args.rounds):
        for side in ("before", "after"):
            for key, times in measure(getattr(args, side).resolve()).items():
                runs[side].setdefault(key, []).extend(times)
    print(f"load average: {os.getloadavg()[0]:.2f}; before: {args.before}; after: {args.after}")
    print(f"{'case':<22}{'mode':<12}{'before ms':>10}{'after ms':>10}{'after/before':>14}")
    for key in runs["before"]:
        label, mode = key.split("|")
        b = 1e3 * statistics.median(runs["before"][key])
        a = 1e3 * statistics.median(runs["after"][key])
        print(f"{label:<22}{mode:<12}{b:>10.2f}{a:>10.2f}{a / b:>14.2f}")


if __name__ == "__main__":
    main()
