"""How far correct attention sits below its tolerance, and why its close calls are close.

Cross-attention with ``Lq != Lk`` (``tests/zoo_observed_b/attention.py``,
``CrossAttention``) and the causal-mask classes of ``tests/zoo_observed_b/causal.py``
checked through ``check_layer`` on inputs of magnitudes 1, 3 and 10 (the command draws
up to 10), many seeds: the distribution of ``error / tolerance`` of the worst element,
and, for the worst check of each row, how much of that element's error is the truncation
of the first central difference: the difference is taken again at half the step, and
``4/3 |d(s) - d(s/2)|`` (the central difference's ``s^2`` term) is set against the error
the check measured. A share near 1 means the first level passed an error that is all
truncation, which its tolerance (rounding, argument rounding, analytic side) does not
count; an element outside that tolerance would have been refined (Richardson, truncation
counted), so a close call there is no near false alarm. The buggy twins' smallest margin
is printed beside it.

    nice python benchmarks/attention_margins.py              # 40 seeds
    nice python benchmarks/attention_margins.py --seeds 10

Not a test: a script that prints numbers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from zoo_observed_b import attention, causal  # noqa: E402

from gradcheck import check_layer  # noqa: E402

SHAPES = ((4, 4), (5, 4), (5, 6))  # q (Lq, d), k (Lk, d), v (Lk, dv)
CASES = {
    "CrossAttention": (attention.CrossAttention, attention.CrossAttention_WrongAxis_Bug,
                       None),
    "KeepMaskAttention, causal": (causal.KeepMaskAttention, causal.KeepMaskAttention_Bug,
                                  np.tril(np.ones((4, 5), dtype=bool))),
    "AdditiveMaskAttention, causal": (
        causal.AdditiveMaskAttention, causal.AdditiveMaskAttention_Bug,
        np.where(np.tril(np.ones((4, 5), dtype=bool)), 0.0, -1e9)),
}


def _inputs(cls: type, qkv: list[np.ndarray], mask: np.ndarray | None) -> tuple:
    if mask is None:
        return tuple(qkv)
    return (*qkv, mask)


def _objective(cls: type, x: np.ndarray, dv: np.ndarray, n: int,
               mask: np.ndarray | None) -> float:
    sizes = [int(np.prod(s)) for s in SHAPES]
    parts, start = [], 0
    for shape, size in zip(SHAPES, sizes, strict=True):
        parts.append(x[:, start:start + size].reshape(n, *shape))
        start += size
    return float(np.sum(dv * cls().forward(*_inputs(cls, parts, mask))))


def _truncation_share(cls: type, qkv: list[np.ndarray], dv: np.ndarray, report,
                      mask: np.ndarray | None) -> float:
    """``4/3 |d(s) - d(s/2)|`` over the measured error, at the worst element."""
    g = report.gradients[0]
    n = qkv[0].shape[0]
    x = np.concatenate([a.reshape(n, -1) for a in qkv], axis=1)
    row, col = g.index
    size = max(abs(float(x[row, col])), 1.0)

    def central(step: float) -> float:
        up, down = x.copy(), x.copy()
        up[row, col] += step
        down[row, col] -= step
        return (_objective(cls, up, dv, n, mask) - _objective(cls, down, dv, n, mask)) \
            / (2 * step)

    s = report.step * size
    truncation = 4.0 / 3.0 * abs(central(s) - central(s / 2))
    return truncation / g.error if g.error else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    args = parser.parse_args()
    print(f"{'case':32s} {'|x|':>4s} {'checks':>6s} {'max':>6s} {'median':>7s} "
          f"{'truncation share at max':>24s} {'twin min margin':>16s}")
    for name, (cls, twin, mask) in CASES.items():
        for magnitude in (1.0, 3.0, 10.0):
            ratios, worst, twin_margin = [], (0.0, float("nan")), float("inf")
            for seed in range(args.seeds):
                rng = np.random.default_rng(seed)
                n = int(rng.integers(1, 7))
                qkv = [rng.uniform(-magnitude, magnitude, (n, *s)) for s in SHAPES]
                dv = rng.uniform(-1.0, 1.0, (n, 4, 6))
                report = check_layer(cls(), _inputs(cls, qkv, mask), dvalues=dv, seed=seed,
                                     raise_on_failure=False)
                assert report.ok, (name, magnitude, seed, report)
                g = report.gradients[0]
                ratio = g.error / g.tolerance
                ratios.append(ratio)
                if ratio > worst[0]:
                    worst = (ratio, _truncation_share(cls, qkv, dv, report, mask))
                bad = check_layer(twin(), _inputs(twin, qkv, mask), dvalues=dv, seed=seed,
                                  raise_on_failure=False)
                failed = [b for b in bad.gradients if str(b.status) == "failed"]
                assert failed, (name, magnitude, seed, "twin passed")
                twin_margin = min(twin_margin, max(b.error / b.tolerance for b in failed))
            print(f"{name:32s} {magnitude:4.0f} {len(ratios):6d} {max(ratios):6.3f} "
                  f"{float(np.median(ratios)):7.3f} {worst[1]:24.2f} {twin_margin:16.3g}")


if __name__ == "__main__":
    main()
