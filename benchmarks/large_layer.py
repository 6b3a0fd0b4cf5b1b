"""Time fast-mode checks of large dense layers, and what a check costs per element.

Prints, for each shape: wall time of ``check_layer`` in the automatic mode (fast above
20,000 elements), the number of forward calls, and the same for a layer with one wrong
``dweights`` element (located by sampling, or reported as a failed projection).

    python benchmarks/large_layer.py
"""

from __future__ import annotations

import time

import numpy as np

from gradcheck import check_layer
from nnfs_core import Layer_Dense

SHAPES = [(256, 256, 128), (256, 1024, 1024)]  # (batch, inputs, neurons)


class OneWrongElement(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights[3, 5] += 1e-3 * np.abs(self.dweights).max()


def timed(layer, x, repeat=3):
    best, report = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        report = check_layer(layer, x, raise_on_failure=False)
        best = min(best, time.perf_counter() - start)
    return best, report


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{'batch x inputs -> neurons':28s} {'verdict':8s} {'mode':5s} {'calls':>5s} "
          f"{'seconds':>8s}   one wrong dweights element")
    for n, f, m in SHAPES:
        x = rng.standard_normal((n, f))
        good_t, good = timed(Layer_Dense(f, m, rng=np.random.default_rng(1)), x)
        bad_t, bad = timed(OneWrongElement(f, m, rng=np.random.default_rng(1)), x, repeat=1)
        wrong = {g.name: g for g in bad.gradients}["dweights"]
        print(f"{f'{n} x {f} -> {m}':28s} {good.status:8s} {good.mode:5s} "
              f"{good.evaluations:5d} {good_t:8.3f}   {bad.status}, {bad_t:.2f} s, "
              f"{wrong.method}: {wrong.diagnosis or wrong.index}")


if __name__ == "__main__":
    main()
