"""Automatic mode by estimated cost: which mode runs, its estimate and its real time.

For dense layers and ReLU activations of growing size, prints the number of elements
(inputs and parameters), the engine's estimate of the exhaustive check's cost
(``gradcheck.engine.budget.exhaustive_cost``, reference seconds from sizes alone), the
mode the automatic choice took, and the measured wall time of the automatic check and of
``mode="exhaustive"``. The old rule switched to fast mode above 20,000 elements; the cost
rule keeps element-located verdicts while the exhaustive check is estimated at most
``budget.EXHAUSTIVE_COST`` (1 reference second). Last, one wrong ``dweights`` element in
the largest layer still checked exhaustively, and a layer whose rows are not independent
(a batch-mean subtraction: every element costs its own forward calls) of the same size.

    python benchmarks/automatic_mode.py [--threads N]   # BLAS threads (default 1)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from gradcheck import check_layer
from gradcheck.engine import budget
from nnfs_core import Activation_ReLU, Layer_Dense

DENSE = [(64, 300, 200), (64, 400, 256), (32, 512, 256), (64, 512, 256), (128, 512, 256),
         (32, 1024, 512), (64, 1024, 1024), (128, 1024, 1024), (256, 1024, 1024)]
RELU = [(256, 256), (512, 512), (1024, 1024)]


class OneWrongElement(Layer_Dense):
    def backward(self, dvalues):
        super().backward(dvalues)
        self.dweights[3, 5] += 1e-3 * np.abs(self.dweights).max()


class CenteredRelu:
    """ReLU of the batch-centred inputs: rows depend on each other (no stacking)."""

    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs - inputs.mean(axis=0))

    def backward(self, dvalues):
        d = dvalues * (self.inputs - self.inputs.mean(axis=0) > 0)
        self.dinputs = d - d.mean(axis=0)


def timed(layer, x, mode=None):
    start = time.perf_counter()
    report = check_layer(layer, x, mode=mode, raise_on_failure=False)
    return time.perf_counter() - start, report


def estimate(x, layer):
    """The engine's estimate, with the stacking its probes allow for these layers."""
    params = [v.shape for k, v in vars(layer).items()
              if k in ("weights", "biases") and isinstance(v, np.ndarray)]
    out = x.shape[0] * (params[0][1] if params else x.shape[1])
    rows = not isinstance(layer, CenteredRelu)
    return budget.exhaustive_cost(x.shape, params, out, rows=rows, columns=bool(params))


def row(label, layer, x, exhaustive=True):
    size = x.size + sum(v.size for k, v in vars(layer).items()
                        if k in ("weights", "biases") and isinstance(v, np.ndarray))
    auto_t, auto = timed(layer, x)
    est = estimate(x, layer)
    ex = f"{timed(layer, x, 'exhaustive')[0]:8.2f}" if exhaustive else f"{'-':>8s}"
    print(f"{label:28s} {size:>9d} {est:9.2f} {auto.mode:10s} {auto.status:7s} "
          f"{auto.evaluations:6d} {auto_t:8.2f} {ex}")
    return auto


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with threadpool_limits(args.threads):
        print(f"{'layer':28s} {'elements':>9s} {'estimate':>9s} {'auto mode':10s} "
              f"{'verdict':7s} {'calls':>6s} {'auto [s]':>8s} {'exh. [s]':>8s}")
        for n, f, m in DENSE:
            x = rng.standard_normal((n, f))
            row(f"Dense {n} x {f} -> {m}", Layer_Dense(f, m, rng=rng), x, n * f * m < 2e8)
        for n, f in RELU:
            row(f"ReLU {n} x {f}", Activation_ReLU(), rng.standard_normal((n, f)))
        exhaustive_dense = [(n, f, m) for n, f, m in DENSE if estimate(
            np.zeros((n, f)), Layer_Dense(f, m)) <= budget.EXHAUSTIVE_COST]
        n, f, m = exhaustive_dense[-1]
        x = rng.standard_normal((n, f))
        t, bad = timed(OneWrongElement(f, m, rng=np.random.default_rng(1)), x)
        w = {g.name: g for g in bad.gradients}["dweights"]
        print(f"\none wrong dweights element in Dense {n} x {f} -> {m}: {bad.mode}, "
              f"{bad.status}, {w.method}, index {w.index}, {t:.2f} s")
        x = rng.standard_normal((256, 128))
        row("CenteredRelu 256 x 128", CenteredRelu(), x, exhaustive=False)


if __name__ == "__main__":
    main()
