"""Finite differences with error estimates, kink detection and verdicts per element.

The scheme, for each element ``j`` of a variable ``x`` with analytic derivative ``a_j``:

1. Central difference at a relative step ``s_j = h * max(floor, |x_j|)``::

       D(s) = (f(x + s e_j) - f(x - s e_j)) / 2s

   Its rounding error is bounded by ``rho_j = C_ROUND * eps * S_j / s_j`` where ``S_j`` is
   the absolute scale of the objective's terms (``sum |dvalues * output|``, plus the
   rounding scale of the arguments, ``sum |value * gradient|``, as the caller gives it), plus
   ``C_ARGUMENT * eps * |x_j D| / s_j`` for the rounding of the argument itself. The analytic
   side carries its own rounding, ``alpha = C_ANALYTIC * eps * max|a|``. For losses a floor
   of ``1e-7 / samples`` is added: the book's forward-only clipping moves the gradient of
   the mean loss by that much, and it is not a backprop bug. An element whose
   ``|a_j - D(s)| <= rho_j + alpha`` passes at once; that is nearly all of them.
2. Suspects are refined with a second step ``s/2``: the Richardson value
   ``R = (4 D(s/2) - D(s)) / 3`` and the truncation estimate ``T = |D(s) - D(s/2)|`` give
   the tolerance ``T + 2 rho + alpha``.
3. Still no match: the one-sided differences at ``s`` and ``s/2`` tell a kink from a
   smooth point. At a kink one side is straight (its two one-sided differences agree)
   while the two sides disagree; the analytic value is then accepted when it lies between
   the one-sided derivatives (any subgradient is correct).
4. Where the two steps disagree with each other by more than half the value (a kink
   closer to ``x`` than the step), the step is halved up to four more times, and two
   successive levels that agree decide the element as in step 2.
5. Elements still open (failed or undecidable, the closest calls first, at most
   ``NOISE_LIMIT``) get their rounding noise measured from the forward itself (nine
   irregular offsets at three scales, see :func:`_noise_floor`): noise up to what
   rounding of intermediate results can cause (``C_NOISE eps`` times their magnitude,
   given by the caller as ``intermediate``) widens their tolerance and they are judged
   again (cancellation inside forward: ``1 + tanh(u)``); structure finer than any step
   (``x + 1e-3 sin(1e7 x)``) makes them ``inconclusive``.
6. A kink whose two sides slope the same way, with the analytic value between 0 and
   their sum, is ``inconclusive``: several units may share the kink and a chain rule
   may take none or all of them.
7. Kinks shared by several coordinates of one group (a sample's row; a parameter) are
   judged jointly by :mod:`gradcheck.engine.kinks` when the caller gives an evaluator
   moving several coordinates at once (``at_direction``).
8. What remains is ``failed``, unless the evaluations were not finite or no two steps
   agreed (``inconclusive``: finite differences cannot decide). Each ``inconclusive``
   comes with a reason in ``Comparison.reasons``.

At a kink the reported numeric value is the point of ``[left, right]`` nearest the
analytic one and the tolerance is the one the verdict used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.engine import kinks
from gradcheck.engine.judged import (
    KINK,
    NOT_COMPARED,
    PASS,
    UNSURE,
    WRONG,
    Comparison,
    EvalAt,
    EvalBase,
    Judged,
    Tolerance,
    Written,
)

__all__ = [
    "CLIP_FLOOR",
    "C_ANALYTIC",
    "C_ARGUMENT",
    "C_NOISE",
    "C_ROUND",
    "Comparison",
    "Evaluators",
    "EvalAt",
    "EvalBase",
    "KINK",
    "MORE_LEVELS",
    "NOISE_LIMIT",
    "NOT_COMPARED",
    "PASS",
    "Precision",
    "Steps",
    "Tolerance",
    "UNSURE",
    "WRONG",
    "away_from_edges",
    "compare",
    "default_step",
    "diagnosis_context",
    "float32_evidence",
    "same_outputs",
]

C_ROUND = 8.0
C_ANALYTIC = 256.0
# Rounding of the argument itself: x + s is not exact, and an objective with a large
# condition number (exp of a large logit) turns ``eps * |x|`` into ``eps * |x f'|``.
C_ARGUMENT = 32.0
# Losses: cross-entropy clips probabilities at 1e-7 in forward only, which moves the gradient
# of a mean loss by up to this much divided by the batch size: not a backprop bug.
CLIP_FLOOR = 1e-7

MORE_LEVELS = 4  # halvings tried beyond s/2 where the first two steps disagree
C_NOISE = 64.0  # rounding of intermediates: up to this many eps of their magnitude
NOISE_LIMIT = 64  # suspects whose rounding noise is measured (the closest calls first)
_PASS, _WRONG = int(PASS), int(WRONG)  # (plain ints: cheaper for numpy)


def same_outputs(a: np.ndarray, b: np.ndarray, eps: float, *, copies: bool = False) -> bool:
    """Whether two evaluations of the same outputs agree to rounding.

    Within ``64 eps`` of each value plus the largest one: a probe's verdict on stacking.
    ``copies``: ``a`` holds several evaluations (shape ``(k, *b.shape)``), each compared
    with ``b``.
    """
    if (a.shape[1:] if copies else a.shape) != b.shape:
        return False
    size = np.abs(b)
    scale = float(size.max()) if b.size else 0.0
    if math.isfinite(scale) and (a == b).all():
        return True  # equal and finite (the usual case): within any tolerance
    return bool((np.abs(a - b) <= 64 * eps * (size + scale) + 1e-300).all())


def diagnosis_context(name: str, value: np.ndarray, cmp: Comparison) -> dict[str, Any]:
    """What :func:`gradcheck.engine.diagnose.diagnose` needs besides the two gradients.

    The gradient's name (which axis means what), the variable's values (the points
    compared) and where the one-sided differences showed a kink.
    """
    kink = np.zeros(value.size, dtype=bool)
    if cmp.at_kink is not None:
        kink[cmp.index] = cmp.at_kink | (cmp.verdict == KINK)
    return {"name": name, "at": value, "kinks": kink.reshape(value.shape)}


def float32_evidence(output: Any, notes: list[str]) -> bool:
    """Whether float32 is really in play: a float32 output, or float32 data noted.

    An output in float32 (or float16), or float64 values that all lie on the float32
    grid, or a note that the object held float32 arrays or ran under ``nnfs.init()``.
    Without any of these, a noisy difference quotient is not float32 (a domain edge or a
    forward that varies below the step can look the same).
    """
    if any("float32" in n or "float16" in n for n in notes):
        return True
    if isinstance(output, (tuple, list)):  # several outputs (and a cache): any of them
        return any(float32_evidence(item, []) for item in output
                   if isinstance(item, np.ndarray))
    out = np.asarray(output)
    if out.dtype.kind != "f" or out.size == 0:
        return False
    if out.dtype.itemsize <= 4:
        return True
    with np.errstate(all="ignore"):
        narrow = out.astype(np.float32).astype(out.dtype)
    finite = np.isfinite(out)
    return bool(
        finite.any()
        and np.array_equal(narrow[finite], out[finite])
        and not np.array_equal(out[finite], np.round(out[finite]))
    )


def away_from_edges(x: np.ndarray, floor: float) -> np.ndarray:
    """1 where ``x`` is not within ``1e-4 * floor`` of 0, else 0.

    A precision probe's random direction leaves out elements so close to 0 that its
    steps could cross a domain edge (``sqrt`` at 1e-10) or sit at a kink.
    """
    return (np.abs(x) >= 1e-4 * floor).astype(np.float64)


def default_step(eps: float) -> float:
    """Relative step for central differences: ``eps ** (1/3)`` (about 6e-6 in float64)."""
    return float(np.cbrt(eps))


@dataclass(frozen=True)
class Evaluators:
    """How the objective is evaluated around ``x``: what :func:`compare` moves and reads.

    Attributes
    ----------
    at : callable
        ``(flat indices, deltas) -> values`` with ``x[index] += delta`` (or ``(values,
        absolute scales)`` when it knows a tighter rounding scale than ``base``).
    base : callable
        ``flat indices -> (values at x, absolute scales)``.
    at_scaled : callable, optional
        ``at`` returning the objective's absolute scale at each moved point too, for the
        noise probe (default ``at``, whose scales are used if it returns any).
    at_direction : callable, optional
        ``(flat indices T, steps (k, len(T))) -> k objective values`` with several
        coordinates moved at once; enables the joint kink test of
        :mod:`gradcheck.engine.kinks`. Without it, kinks are judged coordinate by
        coordinate.
    groups : ndarray of int, optional
        Per flat element of ``x``, the group its kinks are judged jointly in (e.g. the
        sample of a ``dinputs`` element); default: one group.
    intermediate : ndarray or callable, optional
        Per flat element of ``x``, the magnitude of the intermediate results forward may
        compute from it (e.g. ``|x| * max|dvalues|``: the input at unit gain). Rounding
        noise measured up to ``C_NOISE * eps`` times this is rounding (cancellation, as in
        ``1 + tanh(u)``), and widens the tolerance; default: the objective's scale. A
        callable returning it is called only if some element needs its noise measured.
    """

    at: EvalAt
    base: EvalBase
    at_scaled: EvalAt | None = None
    at_direction: kinks.EvalDirections | None = None
    groups: np.ndarray | None = None
    intermediate: np.ndarray | Callable[[], np.ndarray] | None = None


@dataclass(frozen=True)
class Steps:
    """The finite-difference steps of :func:`compare`.

    Attributes
    ----------
    step : float
        Relative step ``h`` of the central differences.
    floor : float or ndarray
        Steps are ``h * max(floor, |x|)``.
    one_sided : float, optional
        Relative step of a one-sided first level: one forward difference per element
        (half the evaluations; used where each evaluation is a full forward pass).
        Suspects are refined with central differences as usual.
    at_kinks : bool
        The elements are expected to sit at kinks (exact zeros of a ReLU's input), so
        their steps ``+-s`` and ``+-s/2`` are all evaluated in one call of ``at``
        instead of two levels of two calls each. Same verdicts, fewer calls.
    """

    step: float
    floor: float | np.ndarray
    one_sided: float | None = None
    at_kinks: bool = False


@dataclass(frozen=True)
class Precision:
    """What the tolerances of :func:`compare` start from: the computation's precision.

    Attributes
    ----------
    eps, eps_analytic : float
        Machine epsilon of the objective's computation and of the analytic gradient.
    alpha_scale : ndarray or float, optional
        Per-element scale of the analytic value's rounding (default ``max|analytic|``).
    abs_floor : float or ndarray
        Absolute differences below this are not errors (losses: ``1e-7 / samples``, the
        size of the book's clipping effect on the gradient of a mean loss).
    """

    eps: float
    eps_analytic: float
    alpha_scale: np.ndarray | float | None = None
    abs_floor: float | np.ndarray = 0.0


def compare(
    x: np.ndarray,
    analytic: np.ndarray,
    evaluate: Evaluators,
    steps: Steps,
    precision: Precision,
    *,
    index: np.ndarray | None = None,
) -> Comparison:
    """Compare ``analytic`` with finite differences of the objective at ``x``.

    One function per level of the module docstring: :func:`_first_level` (step 1),
    :func:`_refine` (steps 2 to 4), :func:`_settle` (step 5), the joint kink test
    (:func:`_judge_jointly`, step 7) and :func:`_undecidable` (steps 6 and 8). They share
    one :class:`Judged`, whose :class:`Tolerance` keeps every element's tolerance by its
    parts.

    Parameters
    ----------
    x : ndarray
        The point; only its values (for the step size) are read.
    analytic : ndarray
        The analytic derivative, same shape as ``x``.
    evaluate : Evaluators
        How the objective is evaluated around ``x`` (moved elements, several coordinates
        at once for the joint kink test, the noise probe's scales).
    steps : Steps
        The relative step, its floor, a one-sided first level, kinks expected.
    precision : Precision
        The machine epsilons and what the analytic side's tolerance starts from.
    index : ndarray, optional
        Flat indices to check (default: all).
    """
    with np.errstate(all="ignore"):
        xf = np.asarray(x, dtype=np.float64).reshape(-1)
        af = np.asarray(analytic, dtype=np.float64).reshape(-1)
        if index is None:
            idx, a, xv = np.arange(xf.size), af, xf
        else:
            idx = np.asarray(index, dtype=np.intp)
            a, xv = af[idx], xf[idx]
        floor = steps.floor
        if isinstance(floor, (int, float)) or np.ndim(floor) == 0:
            size = np.maximum(np.abs(xv), float(floor))
        else:
            floor_j = np.broadcast_to(np.asarray(floor, dtype=np.float64), xf.shape)[idx]
            size = np.maximum(floor_j, np.abs(xv))
        judged = _first_level(idx, xv, a, evaluate, steps.step * size, size, steps, precision)
        if isinstance(judged, Comparison):
            return judged  # (every element passed at the first level: nearly always)
        _refine(judged, None if judged.suspects.size == idx.size else judged.suspects)
        at_scaled = evaluate.at if evaluate.at_scaled is None else evaluate.at_scaled
        noise = _NoiseProbe(at_scaled, xf.shape, evaluate.intermediate, precision.eps)
        _settle(judged, noise, (judged.verdict >= UNSURE).nonzero()[0])
        reasons: list[str] = []
        shared = judged.shared & (judged.verdict == UNSURE)
        joint = np.zeros(idx.size, dtype=bool)  # where the joint test gave its verdict
        if evaluate.at_direction is not None:
            shared = _judge_jointly(judged, noise, shared, joint, steps.step, evaluate.groups,
                                    evaluate.at_direction, reasons)
        _undecidable(judged, noise, shared, joint, reasons)
        return judged.comparison(reasons)


def _first_level(
    idx: np.ndarray, xv: np.ndarray, a: np.ndarray, evaluate: Evaluators,
    s: np.ndarray, size: np.ndarray, steps: Steps, acc: Precision,
) -> Comparison | Judged:
    """Step 1: one central (or one-sided) difference per element, its tolerance, verdicts.

    Returns the outcome when every element passed, else the elements to judge further.
    """
    eps = acc.eps
    at = evaluate.at
    f0, scale = evaluate.base(idx)
    sp = sm = None
    fp = fm = None
    halves = None
    one_sided = steps.one_sided
    if steps.at_kinks and not one_sided and idx.size:
        n = idx.size
        values, scales = _values(
            at(np.concatenate((idx, idx, idx, idx)), np.concatenate((s, -s, s / 2, -s / 2)))
        )
        fp, fm, fp2, fm2 = (values[j * n : (j + 1) * n] for j in range(4))
        if scales is not None:
            sp, sm = scales[:n], scales[n : 2 * n]
        halves = (fp2, fm2)
        d1 = (fp - fm) / (2 * s)
    elif one_sided:
        s1 = one_sided * size
        fp1, _ = _values(at(idx, s1))
        d1 = (fp1 - f0) / s1
    else:
        fp, sp = _values(at(idx, s))
        fm, sm = _values(at(idx, -s))
        d1 = (fp - fm) / (2 * s)
    abs_d1 = np.abs(d1)
    argument = (C_ARGUMENT * eps) * abs_d1 * size / s
    objective = (C_ROUND * eps) * np.abs(scale) / s  # the objective's rounding at s
    finite = np.isfinite(d1)
    if acc.alpha_scale is None:
        g = max(
            float(np.abs(a).max()) if a.size else 0.0,
            float(abs_d1.max(where=finite, initial=0.0)),
        )
        alpha = np.full(idx.size, C_ANALYTIC * acc.eps_analytic * g + 1e-300 + acc.abs_floor)
    else:
        alpha = C_ANALYTIC * acc.eps_analytic * np.asarray(acc.alpha_scale, dtype=np.float64)
        alpha = _spread(alpha + 1e-300, idx.shape) + acc.abs_floor
    if one_sided:
        first = Tolerance(
            rounding=(C_ROUND * eps) * np.abs(scale) / s1,
            argument=(C_ARGUMENT * eps) * abs_d1 * size / s1,
            analytic=alpha,
        )
    else:
        first = Tolerance(rounding=objective, argument=argument, analytic=alpha)
    tol = first.total()
    ok = finite & (np.abs(a - d1) <= tol)
    verdict = np.where(ok, PASS, WRONG)
    if ok.all():
        return Comparison(idx, a, d1, tol, verdict, None, [], first)
    # an evaluator that returns changes from the base point, with the scale of only
    # the outputs that moved, knows its rounding better: used to see kinks
    tight = (
        objective
        if one_sided or sp is None or sm is None
        else (C_ROUND * eps) * np.maximum(np.abs(sp), np.abs(sm)) / s
    )
    rounding = Tolerance(rounding=objective, argument=argument)
    return Judged(idx, xv, a, s, size, f0, scale, fp, fm, halves, at, d1.copy(),
                  Written(first, idx.size, tol), rounding, tight, alpha, verdict,
                  (~ok).nonzero()[0])


def _refine(judged: Judged, which: np.ndarray | None) -> None:
    """Steps 2 to 4 for the elements ``which`` (``None``: all), 1024 at a time."""
    if which is None and judged.idx.size <= 1024:
        _second_level(judged, slice(None))  # (nothing to gather)
        return
    if which is None:
        which = np.arange(judged.idx.size)
    for start in range(0, which.size, 1024):
        _second_level(judged, which[start : start + 1024])


def _second_level(judged: Judged, part: Any) -> None:
    """Steps 2 to 4 for the elements ``part``: Richardson at ``s/2``, kinks, smaller steps.

    (Called inside compare's ``np.errstate``.)
    """
    level = _Slice.of(judged, part)
    idx, a, s, f0, at, rho, alpha = level.idx, level.a, level.s, level.f0, level.at, \
        level.rho, level.alpha
    if judged.fp is None or judged.fm is None:
        fp, _ = _values(at(idx, s))
        fm, _ = _values(at(idx, -s))
    else:
        fp, fm = judged.fp[part], judged.fm[part]
    half = s / 2
    if judged.halves is None:
        fp2, _ = _values(at(idx, half))
        fm2, _ = _values(at(idx, -half))
    else:
        fp2, fm2 = judged.halves[0][part], judged.halves[1][part]
    d1 = (fp - fm) / (2 * s)
    d2 = (fp2 - fm2) / (2 * half)
    richardson = (4 * d2 - d1) / 3
    trunc = np.abs(d1 - d2)
    twice = rho.scaled(2.0)
    twice_rounding = twice.rounding_total()  # (twice.total(): summed once, used twice)
    tol = twice.rounding_plus(truncation=trunc, analytic=alpha)
    finite_r = np.isfinite(richardson)
    # (the sums of tol, kept while tol is patched only where they are known)
    total: np.ndarray | None = tol.total(twice_rounding)
    smooth = finite_r & (np.abs(a - richardson) <= total)

    # one-sided differences: right and left, at s and s/2
    r1, l1 = (fp - f0) / s, (f0 - fm) / s
    r2, l2 = (fp2 - f0) / half, (f0 - fm2) / half
    tight = judged.tight_rho(part).scaled(4.0)
    noise = tight.rounding_total()  # (tight.total(): it has only the rounding parts)
    straight = np.minimum(np.abs(r1 - r2), np.abs(l1 - l2))
    gap = np.abs(r2 - l2)
    finite = np.isfinite(r1) & np.isfinite(l1) & np.isfinite(r2) & np.isfinite(l2)
    # a kink: the sides disagree by more than their curvature and their rounding
    # explain (a ReLU jump of a tiny dvalue is still a jump)
    kink = finite & (gap > 8 * straight + noise + alpha)
    tol_kink = tight.rounding_plus(kink=2 * straight, analytic=alpha)
    bound = tol_kink.total(noise)
    low, high = np.minimum(r2, l2), np.maximum(r2, l2)
    inside = (a >= low - bound) & (a <= high + bound)
    size = np.maximum(np.abs(d1), np.abs(d2))
    # the two steps disagree by more than half the value (and by more than the
    # floor): finite differences cannot decide here, whatever the analytic value
    noisy = ~finite_r | ((trunc > 0.5 * size) & (trunc > alpha))

    # both sides slope the same way: several units may share this kink (a ReLU
    # network at zero weights), and a chain-rule backward may take any subset of
    # them, from none (0) to all (right + left); not a subgradient, not surely a bug
    shared = kink & ~inside & (r2 * l2 > 0)
    if shared.any():
        shared &= ((a >= np.minimum(0.0, r2 + l2) - bound)
                   & (a <= np.maximum(0.0, r2 + l2) + bound))

    numeric = np.where(finite_r, richardson, d1)
    # accepted on a tolerance that is mostly the step's truncation: confirmed at s/4
    loose = (smooth & ~noisy & (trunc > twice_rounding + alpha)).nonzero()[0]
    if loose.size:
        third = _third_level(level.take(loose), d2[loose], trunc[loose], numeric[loose],
                             tol.take(loose), r2[loose], l2[loose])
        smooth[loose], numeric[loose] = third.smooth, third.numeric
        tol = tol.copy()
        tol.put(loose, third.tol)
        total = None
        # a kink at x itself, found once the steps stopped straddling other kinks: its
        # sides replace those at s/2 (r2 and l2 are arrays of this call's own)
        found = third.found
        where = loose[found]
        if where.size:
            r2[where], l2[where] = third.right[found], third.left[found]
            tol_kink = tol_kink.copy()
            tol_kink.put(where, third.tol_kink.take(found))
            bound = tol_kink.total()
            kink[where], noisy[where], shared[where] = True, False, False
            low, high = np.minimum(r2, l2), np.maximum(r2, l2)
            inside = (a >= low - bound) & (a <= high + bound)
    verdict = np.full(a.shape, WRONG)
    verdict[noisy | shared] = UNSURE
    verdict[kink & inside] = KINK
    verdict[smooth & ~noisy] = PASS
    # at a kink, report the point of [left, right] nearest the analytic value, with the
    # tolerance the verdict used: the error is the distance outside that interval
    at_kink = kink & ~smooth
    if at_kink.any():
        numeric = np.where(at_kink, a.clip(low, high), numeric)
        tol = tol.where(at_kink, tol_kink)
        # (each element's sum is its own parts' sum: bound's where they are tol_kink's)
        total = None if total is None else np.where(at_kink, bound, total)
    unsure = ((verdict == UNSURE) & ~shared).nonzero()[0]
    if unsure.size:
        tol = tol.copy()
        _smaller_steps(unsure, level, d2, numeric, tol, verdict)
        total = None
    judged.numeric[part], judged.verdict[part] = numeric, verdict
    judged.tol.put(part, tol, total=total)
    judged.at_kink[part] = at_kink & (verdict != PASS)
    judged.right[part], judged.left[part] = r2, l2
    judged.shared[part] = shared & (verdict == UNSURE)


@dataclass
class _Slice:
    """The elements a refinement level works on, and the evaluator.

    Their indices, analytic values, first steps, base values, rounding at the first step
    (by parts) and the analytic side's rounding.
    """

    idx: np.ndarray
    a: np.ndarray
    s: np.ndarray
    f0: np.ndarray
    rho: Tolerance
    alpha: np.ndarray
    at: EvalAt

    @classmethod
    def of(cls, judged: Judged, part: Any) -> _Slice:
        """``judged``'s elements ``part`` (a slice or indices)."""
        return cls(judged.idx[part], judged.a[part], judged.s[part], judged.f0[part],
                   judged.rho(part), judged.alpha[part], judged.at)

    def take(self, which: np.ndarray) -> _Slice:
        """The elements ``which`` of this slice."""
        return _Slice(self.idx[which], self.a[which], self.s[which], self.f0[which],
                      self.rho.take(which), self.alpha[which], self.at)


@dataclass
class _Third:
    """What :func:`_third_level` found for the elements it was given."""

    smooth: np.ndarray
    numeric: np.ndarray
    tol: Tolerance
    found: np.ndarray  # a kink at x itself, with
    right: np.ndarray  # its sides' slopes
    left: np.ndarray
    tol_kink: Tolerance  # and the tolerance of a kink verdict there


def _third_level(
    level: _Slice,
    d2: np.ndarray,
    trunc: np.ndarray,
    numeric: np.ndarray,
    tol: Tolerance,
    right: np.ndarray,
    left: np.ndarray,
) -> _Third:
    """Elements accepted on a large truncation estimate, checked at ``s/4``, ``s/8``, ...

    Richardson's model says ``D(t) - D(t/2)`` is four times ``D(t/2) - D(t/4)``. Where
    the next difference is below an eighth of the last, the coarser level was not
    truncation but a kink within its step (a ReLU unit just off its kink): its tolerance
    would be that kink's jump, and a wrong value would pass. Such elements are judged
    again on the first two levels that no longer straddle it. Where the differences
    shrink by 2 to 8 at two levels in a row the function is smooth there and the first
    verdict stands (one such ratio can be chance: several kinks within the step); else
    the next level is tried, at most ``MORE_LEVELS`` of them.

    At each level the one-sided differences are compared with the level before (``right``
    and ``left``: those at ``s/2``): where both sides stopped changing but disagree, ``x``
    itself sits at a kink (a hidden ReLU unit exactly at zero) and other kinks were in
    the step's range; those elements are returned as kinks with the sides' slopes, to be
    judged as kinks are.
    """
    idx, a, half, f0, at, rho, alpha = level.idx, level.a, level.s / 2, level.f0, level.at, \
        level.rho, level.alpha
    smooth = np.ones(idx.size, dtype=bool)
    numeric, tol = numeric.copy(), tol.copy()
    found = np.zeros(idx.size, dtype=bool)
    right, left = right.copy(), left.copy()
    tol_kink = Tolerance(kink=np.zeros(idx.size)).copy()
    once = np.zeros(idx.size, dtype=bool)
    todo = np.arange(idx.size)
    prev, last, h = d2.copy(), trunc.copy(), half.copy()
    for _ in range(MORE_LEVELS):
        h = h / 2
        fp, _ = _values(at(idx[todo], h[todo]))
        fm, _ = _values(at(idx[todo], -h[todo]))
        with np.errstate(all="ignore"):
            ht = h[todo]
            d = (fp - fm) / (2 * ht)
            step_trunc = np.abs(prev[todo] - d)
            richardson = (4 * d - prev[todo]) / 3
            # rounding grows as the step shrinks: 2 rho at s is 2 rho s / h at h (a power
            # of two: the parts scale exactly)
            grow = 2 * half[todo] / ht
            rounding_parts = rho.take(todo).scaled(2 * grow)
            rounding = rounding_parts.total()
            here = rounding_parts.rounding_plus(truncation=step_trunc, analytic=alpha[todo])
            tol_here = here.total(rounding)
            ratio = last[todo] / step_trunc
            straddled = np.isfinite(richardson) & (step_trunc < last[todo] / 8)
            settled = ~np.isfinite(ratio) | ((ratio >= 2) & (ratio <= 8))
            r, lft = (fp - f0[todo]) / ht, (f0[todo] - fm) / ht
            straight = np.maximum(np.abs(r - right[todo]), np.abs(lft - left[todo]))
            kinked = (np.isfinite(r) & np.isfinite(lft)
                      & (straight <= 2 * rounding + alpha[todo])
                      & (np.abs(r - lft) > 8 * straight + 4 * rounding + alpha[todo]))
        right[todo], left[todo] = r, lft  # (the next level compares with these)
        where = todo[kinked]
        found[where], smooth[where] = True, False
        tol_kink.put(where, rounding_parts.scaled(4.0).rounding_plus(
            kink=2 * straight, analytic=alpha[todo]), kinked)
        straddled &= ~kinked
        where = todo[straddled]
        numeric[where] = richardson[straddled]
        tol.put(where, here, straddled)
        smooth[where] = np.abs(a[where] - richardson[straddled]) <= tol_here[straddled]
        done = settled & once[todo]
        once[todo] = settled
        keep = ~straddled & ~done & ~kinked
        prev[todo], last[todo] = d, step_trunc
        todo = todo[keep]
        if todo.size == 0:
            break
    return _Third(smooth, numeric, tol, found, right, left, tol_kink)


def _smaller_steps(
    todo: np.ndarray,
    level: _Slice,
    previous: np.ndarray,
    numeric: np.ndarray,
    tol: Tolerance,
    verdict: np.ndarray,
) -> None:
    """Steps s/4, s/8, ... for elements whose two steps disagreed (updated in place).

    A kink closer to ``x`` than the step (ReLU at ``x = -5e-6`` with a step of ``6e-6``)
    makes the steps that straddle it disagree with those that do not; smaller steps stop
    straddling it. Two successive levels that agree decide the element as in step 2 of
    the module docstring (the rounding term grows as the step shrinks).
    """
    idx, a, s, rho, alpha, at = level.idx, level.a, level.s, level.rho, level.alpha, level.at
    prev = previous[todo]
    step = s[todo] / 2
    for _ in range(MORE_LEVELS):
        step = step / 2
        fp, _ = _values(at(idx[todo], step))
        fm, _ = _values(at(idx[todo], -step))
        d = (fp - fm) / (2 * step)
        richardson = (4 * d - prev) / 3
        trunc = np.abs(d - prev)
        # 2 rho s / step: a power of two times rho, its parts scaled exactly
        parts = rho.take(todo).scaled(2 * (s[todo] / step)).rounding_plus(truncation=trunc,
                        analytic=alpha[todo])
        tolerance = parts.total()
        size = np.maximum(np.abs(d), np.abs(prev))
        agree = np.isfinite(richardson) & ~((trunc > 0.5 * size) & (trunc > alpha[todo]))
        where = todo[agree]
        numeric[where] = richardson[agree]
        tol.put(where, parts, agree)
        verdict[where] = np.where(
            np.abs(a[where] - richardson[agree]) <= tolerance[agree],
            PASS, WRONG,
        )
        todo, prev, step = todo[~agree], d[~agree], step[~agree]
        if todo.size == 0:
            return


class _NoiseProbe:
    """Step 5's measurements: where the noise was measured, and what it showed."""

    def __init__(self, at: EvalAt, shape: tuple[int, ...],
                 intermediate: np.ndarray | Callable[[], np.ndarray] | None, eps: float) -> None:
        self.at, self.shape, self.intermediate, self.eps = at, shape, intermediate, eps
        self.measured: np.ndarray | None = None
        self.fine: np.ndarray | None = None  # 1 structure, 2 smooth structure
        self.slope: np.ndarray | None = None  # the slope at the finest scale, its tolerance
        self.slope_tol: np.ndarray | None = None

    def any(self) -> bool:
        """Whether any element's noise was measured."""
        return self.measured is not None and bool(self.measured.any())


def _settle(judged: Judged, probe: _NoiseProbe, which: np.ndarray) -> None:
    """Step 5: rounding inside forward (cancellation) that the output-relative model misses.

    Measured where the verdict is still open (the closest calls first, ``NOISE_LIMIT``
    elements per comparison at most); noise that rounding of intermediates explains
    widens the rounding part of those elements' tolerance and they are judged again.
    """
    if which.size == 0:
        return
    n, eps = judged.idx.size, probe.eps
    if probe.measured is None:
        probe.measured = np.zeros(n, dtype=bool)
        probe.fine = np.zeros(n, dtype=np.int8)
    measured, fine = probe.measured, probe.fine
    assert fine is not None
    if probe.intermediate is not None:
        given = probe.intermediate() if callable(probe.intermediate) else probe.intermediate
        inter = np.broadcast_to(np.asarray(given, np.float64).reshape(-1), probe.shape)
    else:
        inter = None
    scale_b = np.abs(_spread(judged.scale, judged.idx.shape))
    which = which[~measured[which]]
    totals = judged.tol.totals
    assert totals is not None  # (a judged's tolerance keeps its sums)
    error = np.abs(judged.a - judged.numeric) / totals
    which = which[np.argsort(error[which], kind="stable")]
    which = which[: max(0, NOISE_LIMIT - int(measured.sum()))]
    if which.size == 0:
        return
    measured[which] = True
    cap = scale_b[which] + (0.0 if inter is None else inter[judged.idx[which]])
    noise, structure, cancels, local = _noise_floor(
        probe.at, judged.idx[which], judged.s[which], C_NOISE * eps * cap,
        (C_ROUND * eps) * scale_b[which], eps,
    )
    fine[which] = structure
    if probe.slope is None:
        probe.slope, probe.slope_tol = np.full(n, np.nan), np.zeros(n)
    assert probe.slope_tol is not None
    probe.slope[which], probe.slope_tol[which] = local
    redo = (noise > 0) & (structure == 0)
    again = which[redo]
    if again.size:
        judged.rounding.noise[again] += noise[redo]  # type: ignore[index]
        # where forward cancels, the analytic side (which reuses forward's
        # results) carries that rounding too: C_NOISE eps of the intermediates
        judged.alpha[again] += np.where(cancels[redo],
                                        C_NOISE * eps * cap[redo] / judged.size[again], 0.0)
        _refine(judged, again)
    _thin_pieces(judged, probe, which)


def _thin_pieces(judged: Judged, probe: _NoiseProbe, which: np.ndarray) -> None:
    """Kinks closer to x than every step: the slope at s/1024, smooth there, is the derivative.

    (Units of a row just on and just off, with x between their kinks.)
    """
    slope, slope_tol = probe.slope, probe.slope_tol
    assert slope is not None and slope_tol is not None
    a, alpha = judged.a, judged.alpha
    which = which[judged.verdict[which] != PASS]
    ok = which[np.abs(a[which] - slope[which]) <= slope_tol[which] + alpha[which]]
    judged.verdict[ok], judged.numeric[ok], judged.at_kink[ok] = PASS, slope[ok], False
    judged.tol.put(ok, Tolerance(truncation=slope_tol[ok], analytic=alpha[ok]))


def _judge_jointly(
    judged: Judged, probe: _NoiseProbe, shared: np.ndarray, joint: np.ndarray, step: float,
    groups: np.ndarray | None, at_direction: kinks.EvalDirections, reasons: list[str],
) -> np.ndarray:
    """Step 7: kinks shared by several coordinates of a group, judged jointly.

    Returns the elements still at a kink whose sides slope the same way (step 6).
    """
    verdict = judged.verdict
    # a kink whose sides slope the same way may be a tie: judged jointly too
    verdict[shared] = WRONG
    before = verdict.copy()
    found = kinks.judge_groups(judged, step, groups, at_direction, joint)
    # kinks that rounding noise faked (cancellation): measured, then judged again
    doubtful = np.flatnonzero((verdict != before) & ((verdict == WRONG)
                                                    | (verdict == UNSURE)))
    if doubtful.size and not (probe.measured is not None and probe.measured[doubtful].all()):
        verdict[doubtful] = before[doubtful]
        _settle(judged, probe, doubtful)
        found = kinks.judge_groups(judged, step, groups, at_direction, joint)
    reasons += found
    shared = shared & ~joint
    verdict[shared] = UNSURE
    return shared


def _undecidable(judged: Judged, probe: _NoiseProbe, shared: np.ndarray, joint: np.ndarray,
                 reasons: list[str]) -> None:
    """Steps 6 and 8: what finite differences cannot decide, with the reasons why."""
    if shared.any():
        reasons.append(
            f"{int(shared.sum())} element(s) at a kink whose two sides slope the same way, "
            "with the analytic value outside them but between 0 and their sum: what a "
            "chain rule through several units sharing the kink (a ReLU layer at zero "
            "weights or inputs) gives when it takes none or all of them; finite "
            "differences cannot see the units"
        )
    # a forward that varies on scales below any step: finite differences cannot decide
    # (not where the joint test gave its verdict: it saw the kinks; fine is set only
    # where the noise was measured)
    if probe.any():
        fine, verdict = probe.fine, judged.verdict
        assert fine is not None
        finer = (verdict == WRONG) & (((fine > 0) & ~judged.at_kink) | (fine == 2)) \
            & ~joint
        if finer.any():
            verdict[finer] = UNSURE
            reasons.append(
                f"{int(finer.sum())} element(s) where forward varies on a scale finer than "
                "the finite-difference step (the objective is not smooth down to 1e-3 of "
                "the step, far above rounding): finite differences cannot decide there"
            )


# offsets of the noise probe: irregular (golden-ratio fractions), 0 included
_OFFSETS = np.array([-3.0, -2.382, -1.764, -0.854, 0.0, 0.472, 1.236, 2.090, 3.0])
_MOVED = _OFFSETS[_OFFSETS != 0.0]
# per scale, the columns of its nine offsets among the probe's values (offset 0 first,
# then the eight moved offsets of each scale)
_COLUMNS = [np.insert(1 + 8 * j + np.arange(8), int(np.flatnonzero(_OFFSETS == 0.0)[0]), 0)
            for j in range(3)]


def _fit(degree: int) -> tuple[np.ndarray, np.ndarray]:
    """A polynomial of ``degree`` fitted at the offsets: pseudo-inverse, residual projection.

    (Constants of the probe, computed once.)
    """
    fit = np.vander(_OFFSETS, degree + 1)
    return np.linalg.pinv(fit), np.eye(_OFFSETS.size) - fit @ np.linalg.pinv(fit)


_FITS = (_fit(2), _fit(4), _fit(2))  # the three scales' fits: s/3, 80 s, s/1024


def _noise_floor(
    at: EvalAt, idx: np.ndarray, s: np.ndarray, cap: np.ndarray, model: np.ndarray,
    eps: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Rounding noise along each element (derivative units), structure, cancellation.

    Returns the measured noise, whether the objective has structure finer than the step
    there, whether the noise exceeds the output-relative rounding ``model``
    (cancellation inside forward), and the local slope at the finest scale with its
    tolerance (NaN where the objective is not smooth there, or is smooth at the step's
    own scale too: then the usual differences already saw it).

    The objective is evaluated at ``x + k tau`` for nine irregularly spaced ``k`` in
    ``[-3, 3]`` (evenly spaced points can alias with the staircase of a quantized
    intermediate and look exactly linear), at three scales (in one call of ``at``, offset
    0 evaluated once for the three): ``tau = s/3`` (the step's own range, residuals from
    a quadratic), ``tau = 80 s`` (wide enough that an intermediate
    that is constant over the step, ``tanh(u)`` at ``u < -17``, moves by a few rounding
    quanta; residuals from a quartic) and ``tau = s/1024``. Residuals up to ``cap``
    (what rounding of intermediate results can cause) are rounding noise; larger ones are
    structure: a kink in range (left to the kink tests), or, when even the finest scale
    shows more than ``cap``, a forward that varies below any step
    (``x + 1e-3 sin(1e7 x)``); 2 where it is smooth structure, not a kink (the residual
    at ``s/32768`` fell faster than ``tau``). Costs 25 (34) evaluations per element.
    """
    if idx.size == 0:
        none = np.zeros(0)
        return none, np.zeros(0, dtype=np.int8), np.zeros(0, dtype=bool), (none, none)
    k = _OFFSETS
    spread, flat = [], []
    taus = (s / 3, 80 * s, s / 1024)
    # one call for the three scales: the objective at x itself (offset 0, the same at
    # every scale) once per element, then the eight other offsets of each scale
    deltas = np.concatenate([np.zeros((idx.size, 1))] + [
        tau[:, None] * _MOVED[None, :] for tau in taus], axis=1).reshape(-1)
    values, scales = _values(at(np.repeat(idx, deltas.size // idx.size), deltas))
    every = np.asarray(values, dtype=np.float64).reshape(idx.size, -1)
    every_scale = None if scales is None else np.abs(
        np.asarray(scales, dtype=np.float64)).reshape(idx.size, -1)
    for j, (tau, (fit_pinv, project)) in enumerate(zip(taus, _FITS, strict=True)):
        columns = _COLUMNS[j]
        rows = every[:, columns]
        if every_scale is not None:
            # the rounding scale of the terms summed at the moved points
            cap = np.maximum(cap, C_NOISE * eps * np.max(every_scale[:, columns], axis=1))
        with np.errstate(all="ignore"):
            # the quadratic's slope at 0, per unit of x (the last scale's is kept)
            local = (rows @ fit_pinv.T)[:, -2] / tau
        with np.errstate(all="ignore"):
            spread.append(np.max(np.abs(rows @ project.T), axis=1))
            # the values themselves are rounded too
            cap = np.maximum(cap, C_NOISE * eps * np.max(np.abs(rows), axis=1))
        flat.append(np.all(rows == rows[:, :1], axis=1))
    coarse, wide, fine = spread
    with np.errstate(all="ignore"):
        sigma = np.zeros(idx.size)
        for level in (coarse, wide, fine):
            sigma = np.maximum(sigma, np.where(np.isfinite(level) & (level <= cap), level, 0))
        # exactly flat over 480 steps: the step is below an intermediate's quantum
        sigma = np.where(flat[0] & flat[1], cap / 16, sigma)
        noise = 4.0 * sigma / s
        structure = np.isfinite(coarse) & np.isfinite(fine) & (
            (coarse > 16 * fine) & (fine > cap)
        )
        cancels = sigma > model
        # a kink in the step's range (coarse residual above rounding) and none at the
        # finest scale (residual within 16 times the output-relative rounding): the
        # slope there is the derivative at x (a piece thinner than the step); its error:
        # the residual (or rounding) over the offsets' span
        thin = np.isfinite(local) & (coarse > cap) & (fine <= np.minimum(cap, 16 * model))
        local_tol = 4.0 * np.maximum(fine, model) / (s / 1024)
        local = np.where(thin, local, np.nan)
    # a kink's residual shrinks like tau, a smooth wiggle's like tau**3: a finer scale
    # still tells them apart where the one-sided differences looked like a kink
    where = np.flatnonzero(structure)
    if where.size:
        deltas = ((s[where] / 32768)[:, None] * k[None, :]).reshape(-1)
        values, _ = _values(at(np.repeat(idx[where], k.size), deltas))
        rows = np.asarray(values, dtype=np.float64).reshape(where.size, k.size)
        finest = np.max(np.abs(rows @ _FITS[0][1].T), axis=1)
        structure = structure.astype(np.int8)
        structure[where] = np.where(fine[where] > 256 * finest, 2, 1)
    return noise, structure, cancels, (local, local_tol)


def _spread(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    """``np.broadcast_to(values, shape)``, without its overhead when nothing is to spread."""
    if isinstance(values, np.ndarray) and values.shape == shape:
        return values
    return np.broadcast_to(values, shape)


def _values(result: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """An evaluator's result as (values, scales or None)."""
    if isinstance(result, tuple):
        return result
    return result, None
