"""Finite differences with error estimates, kink detection and verdicts per element.

The scheme, for each element ``j`` of a variable ``x`` with analytic derivative ``a_j``:

1. Central difference at a relative step ``s_j = h * max(floor, |x_j|)``::

       D(s) = (f(x + s e_j) - f(x - s e_j)) / 2s

   Its rounding error is bounded by ``rho_j = C_ROUND * eps * S_j / s_j`` where ``S_j`` is
   the absolute scale of the objective's terms (``sum |dvalues * output|``). The analytic
   side carries its own rounding, ``alpha = C_ANALYTIC * eps * max|a|``. An element whose
   ``|a_j - D(s)| <= rho_j + alpha`` passes at once; that is nearly all of them.
2. Suspects are refined with a second step ``s/2``: the Richardson value
   ``R = (4 D(s/2) - D(s)) / 3`` and the truncation estimate ``T = |D(s) - D(s/2)|`` give
   the tolerance ``T + 2 rho + alpha``.
3. Still no match: the one-sided differences at ``s`` and ``s/2`` tell a kink from a
   smooth point. At a kink one side is straight (its two one-sided differences agree)
   while the two sides disagree; the analytic value is then accepted when it lies between
   the one-sided derivatives (any subgradient is correct).
4. What remains is ``failed``, unless the evaluations were not finite or the two steps
   disagree with each other by more than half the value (``inconclusive``: finite
   differences cannot decide).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

C_ROUND = 8.0
C_ANALYTIC = 256.0

PASS, KINK, UNSURE, FAIL = 0, 1, 2, 3

# (flat element indices, deltas) -> (objective values, absolute scales of the objective)
EvalAt = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
# flat element indices -> (objective values at x, absolute scales)
EvalBase = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class Comparison:
    """Per-element outcome of comparing analytic and numeric derivatives."""

    index: np.ndarray  # flat indices compared
    analytic: np.ndarray
    numeric: np.ndarray
    tolerance: np.ndarray
    verdict: np.ndarray  # PASS, KINK, UNSURE, FAIL

    @property
    def error(self) -> np.ndarray:
        """``|analytic - numeric|`` (inf where the numeric value is not finite)."""
        err = np.abs(self.analytic - self.numeric)
        return np.where(np.isfinite(err), err, np.inf)

    def worst(self) -> int:
        """Position (into ``index``) of the element that matters most for the report."""
        ratio = self.error / np.maximum(self.tolerance, 1e-300)
        rank = np.where(self.verdict == FAIL, 4.0, np.where(self.verdict == UNSURE, 2.0, 0.0))
        score = rank + np.minimum(ratio, 1e300) / (1.0 + np.minimum(ratio, 1e300)) * 1.999
        return int(np.argmax(score))


def default_step(eps: float) -> float:
    """Relative step for the first level: about ``eps ** (1/3)``, capped for float64."""
    return float(min(1e-4, max(np.cbrt(eps), 1e-6))) if eps < 1e-10 else float(np.cbrt(eps))


def compare(
    x: np.ndarray,
    analytic: np.ndarray,
    at: EvalAt,
    base: EvalBase,
    *,
    step: float,
    floor: float | np.ndarray,
    eps: float,
    eps_analytic: float,
    index: np.ndarray | None = None,
    alpha_scale: np.ndarray | None = None,
    refine_limit: int | None = None,
) -> Comparison:
    """Compare ``analytic`` with finite differences of the objective at ``x``.

    Parameters
    ----------
    x : ndarray
        The point; only its values (for the step size) are read.
    analytic : ndarray
        The analytic derivative, same shape as ``x``.
    at, base : callable
        Objective evaluators (see module docstring).
    step : float
        Relative step ``h``.
    floor : float or ndarray
        Steps are ``h * max(floor, |x|)``.
    eps, eps_analytic : float
        Machine epsilon of the objective's computation and of the analytic gradient.
    index : ndarray, optional
        Flat indices to check (default: all).
    alpha_scale : ndarray, optional
        Per-element scale of the analytic value's rounding (default ``max|analytic|``).
    refine_limit : int, optional
        Stop refining once this many elements are confirmed wrong (the gradient has failed;
        the rest keep their first-level verdict).
    """
    xf = np.asarray(x, dtype=np.float64).ravel()
    af = np.asarray(analytic, dtype=np.float64).ravel()
    idx = np.arange(xf.size) if index is None else np.asarray(index, dtype=np.intp)
    a = af[idx]
    floor_j = np.broadcast_to(np.asarray(floor, dtype=np.float64), xf.shape)[idx]
    s = step * np.maximum(floor_j, np.abs(xf[idx]))

    f0, s0 = base(idx)
    fp, sp = at(idx, s)
    fm, sm = at(idx, -s)
    with np.errstate(all="ignore"):
        d1 = (fp - fm) / (2 * s)
        scale = np.maximum(np.maximum(np.abs(s0), np.abs(sp)), np.abs(sm))
        rho = C_ROUND * eps * scale / s
        finite = np.isfinite(d1)
        g = max(_max_abs(a), _max_abs(d1[finite]))
        if alpha_scale is None:
            alpha = np.full(idx.size, C_ANALYTIC * eps_analytic * g + 1e-300)
        else:
            alpha = C_ANALYTIC * eps_analytic * np.asarray(alpha_scale)[...] + 1e-300
            alpha = np.broadcast_to(alpha, idx.shape).copy()
        tol = rho + alpha
        err = np.abs(a - d1)
    verdict = np.where(finite & (err <= tol), PASS, FAIL)
    numeric = d1.copy()

    suspects = np.flatnonzero(verdict != PASS)
    if suspects.size:
        ratio = np.where(np.isfinite(err[suspects]), err[suspects] / tol[suspects], np.inf)
        suspects = suspects[np.argsort(-ratio, kind="stable")]
        confirmed = 0
        chunk = 256
        for start in range(0, suspects.size, chunk):
            part = suspects[start : start + chunk]
            num, tl, ver = _refine(
                idx[part],
                a[part],
                s[part],
                f0[part],
                fp[part],
                fm[part],
                d1[part],
                rho[part],
                alpha[part],
                at,
            )
            numeric[part], tol[part], verdict[part] = num, tl, ver
            confirmed += int(np.sum(ver == FAIL))
            if refine_limit is not None and confirmed >= refine_limit:
                break
    return Comparison(idx, a, numeric, tol, verdict)


def _refine(
    idx: np.ndarray,
    a: np.ndarray,
    s: np.ndarray,
    f0: np.ndarray,
    fp: np.ndarray,
    fm: np.ndarray,
    d1: np.ndarray,
    rho: np.ndarray,
    alpha: np.ndarray,
    at: EvalAt,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    half = s / 2
    fp2, _ = at(idx, half)
    fm2, _ = at(idx, -half)
    with np.errstate(all="ignore"):
        d2 = (fp2 - fm2) / (2 * half)
        richardson = (4 * d2 - d1) / 3
        trunc = np.abs(d1 - d2)
        tol = trunc + 2 * rho + alpha
        smooth = np.isfinite(richardson) & (np.abs(a - richardson) <= tol)

        # one-sided differences: right and left, at s and s/2
        r1, l1 = (fp - f0) / s, (f0 - fm) / s
        r2, l2 = (fp2 - f0) / half, (f0 - fm2) / half
        noise = 4 * rho
        straight = np.minimum(np.abs(r1 - r2), np.abs(l1 - l2))
        gap = np.abs(r2 - l2)
        finite = np.isfinite(r1) & np.isfinite(l1) & np.isfinite(r2) & np.isfinite(l2)
        kink = finite & (gap > 8 * straight + 4 * noise + alpha)
        tol_kink = 2 * straight + noise + alpha
        lo, hi = np.minimum(r2, l2) - tol_kink, np.maximum(r2, l2) + tol_kink
        inside = (a >= lo) & (a <= hi)
        size = np.maximum.reduce([np.abs(a), np.abs(d1), np.abs(d2)])
        noisy = ~np.isfinite(richardson) | (trunc > 0.5 * size)

    verdict = np.full(a.shape, FAIL)
    verdict[noisy & ~kink] = UNSURE
    verdict[kink & inside] = KINK
    verdict[smooth] = PASS
    numeric = np.where(np.isfinite(richardson), richardson, d1)
    # at a kink, report the one-sided value nearest the analytic one
    nearest = np.where(np.abs(a - r2) <= np.abs(a - l2), r2, l2)
    numeric = np.where(kink & ~smooth, nearest, numeric)
    tol = np.where(kink & ~smooth, tol_kink + np.abs(r2 - l2), tol)
    return numeric, tol, verdict


def _max_abs(values: np.ndarray) -> float:
    return float(np.max(np.abs(values))) if values.size else 0.0
