"""A fixed-step gradient check next to check_model on a deep ReLU network.

The network is ``tests/zoo_models/deep_relu.py``: 8 layers, width 16, weights of scale
0.05, so that the pre-activations of layers 5-7 sit near and below 1e-5 (layer 7 near
2e-7). The fixed-step checker is the one of course notebooks: a central difference with
one step ``h`` for every element, the relative error ``|a - n| / max(1e-8, |a| + |n|)``
per element, the worst per parameter, read against 1e-7. It is run with h = 1e-5 and
h = 1e-8, on the correct network and on each injected bug, next to ``check_model``.

    python benchmarks/deep_network.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from zoo_models.deep_relu import BUGS, DeepReLUNet, data  # noqa: E402

from gradcheck import check_model  # noqa: E402

THRESHOLD = 1e-7


def fixed_step(model, X, y, h):
    """Worst relative error per parameter, with one step ``h`` everywhere."""
    _, grads = model.loss(X, y)
    worst = {}
    for name, value in model.params.items():
        numeric = np.empty_like(value)
        flat, out = value.reshape(-1), numeric.reshape(-1)
        for j in range(flat.size):
            keep = flat[j]
            flat[j] = keep + h
            up = model.loss(X, y)[0]
            flat[j] = keep - h
            down = model.loss(X, y)[0]
            flat[j] = keep
            out[j] = (up - down) / (2 * h)
        a = grads[name]
        scale = np.maximum(1e-8, np.abs(a) + np.abs(numeric))
        worst[name] = float(np.max(np.abs(a - numeric) / scale))
    return worst


def verdict(error):
    return "pass" if error < THRESHOLD else "FAIL"


def table(bug):
    X, y = data()
    print(f"\n== {'correct network' if bug is None else 'bug: ' + bug} ==")
    times = {}
    fixed = {}
    for h in (1e-5, 1e-8):
        start = time.perf_counter()
        fixed[h] = fixed_step(DeepReLUNet(bug=bug), X, y, h)
        times[f"fixed h={h:g}"] = time.perf_counter() - start
    ours = {}
    for mode in ("exhaustive", "fast"):
        start = time.perf_counter()
        report = check_model(DeepReLUNet(bug=bug), X, y, mode=mode, raise_on_failure=False)
        times[f"check_model {mode}"] = time.perf_counter() - start
        ours[mode] = {g.name: g for g in report.gradients}
    print(f"{'param':6} {'fixed h=1e-5':>20} {'fixed h=1e-8':>20}   "
          f"{'check_model (exhaustive)':28} {'(fast)':8} resolution")
    for name in fixed[1e-5]:
        mine, fast = ours["exhaustive"][name], ours["fast"][name]
        cells = [f"{fixed[h][name]:9.1e} {verdict(fixed[h][name]):>4}" for h in (1e-5, 1e-8)]
        print(f"{name:6} {cells[0]:>20} {cells[1]:>20}   {mine.status:28} {fast.status:8} "
              f"{mine.resolution:.1e}")
    bad = {k: [n for n in fixed[h] if fixed[h][n] >= THRESHOLD] for h, k in
           ((1e-5, "h=1e-5"), (1e-8, "h=1e-8"))}
    for key, names in bad.items():
        print(f"fixed {key}: {len(names)} of {len(fixed[1e-5])} parameters over 1e-7: "
              f"{', '.join(names) or '-'}")
    failed = [n for n, g in ours["exhaustive"].items() if g.status != "passed"]
    print(f"check_model: not passed: {', '.join(failed) or '-'}")
    for g in ours["exhaustive"].values():
        if g.diagnosis:
            print(f"  {g.name}: {g.diagnosis}")
    print("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))


def main():
    print(__doc__.split("\n\n")[0])
    for bug in (None, *BUGS):
        table(bug)


if __name__ == "__main__":
    main()
