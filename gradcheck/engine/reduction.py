"""How a loss reduces per-element losses to the scalar its backward differentiates.

A loss whose ``forward(y_pred, y_true)`` returns one loss per element (``(N, C)``, binary
cross-entropy or squared error written elementwise) leaves the reduction to its caller:
the mean of every element, the mean over samples of each sample's sum, or the sum. The
backward says which: its gradient, projected on a random direction, is compared with the
directional derivative of each reading (two forward calls). The reading that agrees within
a factor of 1.5 is checked; when none does, the mean is, and the check reports the
gradient as wrong.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["READINGS", "factors", "observe"]

# reading -> (factor applied to the mean of every element, words for the report)
READINGS = {
    "mean": "the mean of every element forward returns",
    "sample_sum": "the mean over samples of each sample's sum",
    "sum": "the sum of every element forward returns",
}


def factors(n: int, size: int) -> dict[str, float]:
    """Each reading as a factor on the mean of ``size`` elements over ``n`` samples."""
    return {"mean": 1.0, "sample_sum": size / n, "sum": float(size)}


def observe(forward_mean: Callable[[np.ndarray], float], x: np.ndarray,
            dinputs: np.ndarray, n: int) -> str:
    """The reading whose gradient ``dinputs`` is, by one directional derivative.

    Parameters
    ----------
    forward_mean : callable
        ``x -> mean of the per-element losses`` (the user's forward, labels held).
    x : ndarray
        The predictions of the first pass.
    dinputs : ndarray
        Backward's gradient on ``x``.
    n : int
        The number of samples.

    Returns
    -------
    str
        A key of :data:`READINGS` (``"mean"`` when nothing agrees).
    """
    if dinputs.shape != x.shape or not np.all(np.isfinite(dinputs)):
        return "mean"
    direction = np.random.default_rng(7).uniform(0.5, 1.0, size=x.shape)
    direction *= np.sign(dinputs) + (dinputs == 0)
    step = 1e-6 * max(1e-3, float(np.max(np.abs(x))))
    try:
        slope = (forward_mean(x + step * direction) - forward_mean(x - step * direction)) / (
            2 * step)
    except Exception:  # noqa: BLE001 - the verification reports the user's errors
        return "mean"
    projected = float(np.vdot(dinputs, direction))
    if not np.isfinite(slope) or slope == 0 or projected == 0:
        return "mean"
    ratio = projected / slope
    if ratio <= 0:
        return "mean"
    best = min(factors(n, x.size).items(), key=lambda kv: abs(np.log(ratio / kv[1])))
    return best[0] if abs(np.log(ratio / best[1])) < np.log(1.5) else "mean"
