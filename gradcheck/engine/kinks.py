"""Kinks shared by several coordinates: ties, and units that sit at their kinks together.

The element-wise scheme of :mod:`gradcheck.engine.numerics` judges a kink between one
coordinate's own one-sided derivatives. That is exact when the objective is separable in
the kinked coordinates (ReLU on independent inputs), and wrong otherwise: at a tie of a
max, both coordinates' intervals contain ``dvalues``, so a backward that routes the
gradient to *every* tied maximum passes (the sum doubles), while a correct sort at a
triple tie fails. Here the kinked coordinates of one group (one sample's row of
``dinputs``, or one parameter) are judged jointly, by moving several at once.

For a group ``T`` of ``m`` kinked coordinates, with per-coordinate steps ``s_j``:

1. Directional one-sided differences ``phi(d) = f(x + d) - f(x)`` along directions ``d``
   in the span of ``T``: away from 0 and towards it (``+-sign(x)``, zeros either way: a
   kink near, not at, ``x``), all up and all down, in index order and against it, in the
   order of ``x`` with ties broken by index (either way: a stable sort, a first-index
   argmax), the coordinates the analytic value routes the gradient to moved up, every
   sign pattern (``m <= 5``; else 16 random ones), every ordering of the coordinates
   (``m <= 4``: the regions of a tie), and 16 random ones.
2. If ``phi(d)`` equals the separable prediction ``sum_j d_j (right_j if d_j > 0 else
   left_j)`` along all of them, the objective is separable here and the element-wise
   verdicts stand.
3. Otherwise the gradients of the adjacent linear pieces are estimated, by central
   differences at ``x + d`` (step ``s/8``; its forward and backward halves must agree,
   else the point straddles a boundary and is dropped). Directions where ``phi(d)`` matches the
   analytic value's prediction ``a . d`` are tried first. The analytic value is accepted
   (KINK) when it lies in the convex hull of the pieces found (a linear program in the
   max-norm scaled by the tolerances). Otherwise the coordinates farther than their
   tolerance from the nearest point of the hull fail when the pieces are all found (no
   new one among the last ``SATURATED`` estimates), or when the value is off the affine
   hull of pieces whose span stopped growing (a tie's gradients summed twice), or when
   it is more than ``FAR`` times the spread of all pieces found outside the hull (a
   heuristic: unfound pieces would have to lie far beyond every
   other). If pieces were still turning up when the budget ran out, they are
   ``inconclusive`` and a reason is given; likewise when the value lies in the hull of
   the pieces and 0 (units sharing the kink, none taken: ReLU layers at zero inputs).

Cost: at most ``M_MAX`` coordinates per group (larger groups are split, and a piece of a
split group can be undecided but never failed: the coordinates outside it are held
still, which can make a correct value look wrong), at most
``12 + 32 + 24 + 16`` directional evaluations plus ``PIECES_MAX * (2 m + 1)`` for the
pieces, i.e. at most ``84 + 48 * 17 = 900`` objective evaluations per group, and ``BUDGET``
evaluations per comparison; groups beyond that budget are ``inconclusive``.

Where the caller gives no direction evaluator, nothing changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

# (flat indices T, steps of shape (k, len(T))) -> objective values with x[T] += steps[i]
EvalDirections = Callable[[np.ndarray, np.ndarray], np.ndarray]

M_MAX = 8  # coordinates judged jointly at most (larger groups are split)
RANDOM_DIRECTIONS = 16
PIECES_MAX = 48  # piece gradients estimated per group at most
SATURATED = 12  # no new piece among this many estimates: the pieces are all found
BUDGET = 20_000  # objective evaluations per comparison for all groups together
FAR = 4.0  # a value this many piece spreads outside the hull fails without saturation
RADIUS = 1.0  # pieces are estimated at x + RADIUS * d, within the step's own range


def judge_groups(
    idx: np.ndarray,
    x: np.ndarray,
    a: np.ndarray,
    s: np.ndarray,
    rho: np.ndarray,
    alpha: np.ndarray,
    step: float,
    right: np.ndarray,
    left: np.ndarray,
    tol: np.ndarray,
    numeric: np.ndarray,
    verdict: np.ndarray,
    at_kink: np.ndarray,
    groups: np.ndarray | None,
    at_direction: EvalDirections,
    codes: tuple[int, int, int, int],
    judged: np.ndarray | None = None,
) -> list[str]:
    """Judge kinked coordinates jointly, group by group; return why any are inconclusive.

    ``numeric``, ``tol`` and ``verdict`` are updated in place, and ``judged`` (if given)
    marks the elements a joint verdict was given for. ``codes`` are the verdict values
    (PASS, KINK, UNSURE, FAIL) of the caller.
    """
    _, kink_code, unsure_code, fail_code = codes
    members = np.flatnonzero(at_kink & ((verdict == kink_code) | (verdict == fail_code)))
    if members.size < 2:
        return []
    keys = np.zeros(idx.size, dtype=np.int64) if groups is None else groups[idx]
    rng = np.random.default_rng(0)
    reasons: list[str] = []
    spent = 0
    gave_up = shared = 0
    for key in np.unique(keys[members]):
        group = members[keys[members] == key]
        for start in range(0, group.size, M_MAX):
            part = group[start : start + M_MAX]
            if part.size < 2:
                continue
            if spent >= BUDGET:
                verdict[part] = unsure_code
                gave_up += 1
                continue
            # the group's own tolerance: rounding at the inner step s/8, the analytic
            # side's rounding, and curvature over the step (16 steps of the largest slope)
            slope = max(float(np.max(np.abs(v[part]))) for v in (a, right, left))
            group_tol = 64.0 * rho[part] + 4.0 * alpha[part] + 16.0 * step * slope
            job = _Group(idx[part], a[part], s[part], right[part], left[part], group_tol,
                         at_direction, rng, x[part])
            outcome = job.judge()
            spent += job.evaluations
            if outcome is None:
                continue  # separable: the element-wise verdicts stand
            status, nearest, group_tol = outcome
            if status == "fail" and group.size > M_MAX:
                # a piece of a larger group was judged with the other coordinates held
                # still: that can make a correct value look wrong (overlapping pooling
                # windows at a tie), so it is never a failure on its own
                status = "unsure"
            if judged is not None:
                judged[part] = True
            numeric[part], tol[part] = nearest, group_tol
            off = np.abs(a[part] - nearest) > group_tol
            if status == "kink":
                verdict[part] = kink_code
            else:
                verdict[part] = np.where(
                    off, fail_code if status == "fail" else unsure_code, kink_code
                )
                gave_up += status == "unsure"
                shared += status == "shared"
    if gave_up:
        reasons.append(
            f"at {gave_up} point(s) where several coordinates sit at a kink together (a tie, "
            "or units at their kinks), the analytic value is outside the convex hull of the "
            "adjacent pieces found, but new pieces kept turning up when the evaluation "
            f"budget ({PIECES_MAX} pieces per point, {BUDGET} evaluations) ran out"
        )
    if shared:
        reasons.append(
            f"at {shared} point(s) where several coordinates sit at a kink together, the "
            "analytic value is no combination of the adjacent pieces but lies between them "
            "and 0: what a chain rule through several units sharing the kink (a ReLU layer "
            "at zero inputs or weights) gives when it takes none of them; finite "
            "differences cannot see the units"
        )
    return reasons


class _Group:
    """One group of kinked coordinates, judged jointly."""

    def __init__(self, T, a, s, right, left, tol, at_direction, rng, x) -> None:
        self.T, self.a, self.s, self.right, self.left = T, a, s, right, left
        self.x = x
        self.side = np.sign(x)  # away from a kink near (not at) 0
        self.at_direction, self.rng = at_direction, rng
        self.m = T.size
        self.tol = tol
        self.evaluations = 0

    def values(self, steps: np.ndarray) -> np.ndarray:
        self.evaluations += steps.shape[0]
        return np.asarray(self.at_direction(self.T, steps), dtype=np.float64)

    def directions(self) -> np.ndarray:
        m = self.m
        out = []
        if m <= 5:
            signs = np.array(list(itertools.product((1.0, -1.0), repeat=m)))
        else:
            signs = self.rng.choice((1.0, -1.0), size=(16, m))
        up = np.where(self.side == 0, 1.0, self.side)
        down = np.where(self.side == 0, -1.0, self.side)
        out.append(np.stack([up, -up, down, -down, np.ones(m), -np.ones(m)]))
        out.append(signs * self.rng.uniform(0.5, 1.0, size=signs.shape))
        order = np.arange(m, dtype=np.float64) - (m - 1) / 2
        ranks = np.empty(m)
        ranks[np.argsort(self.x, kind="stable")] = order
        # ties broken by index, either way; and x's own order kept, ties broken by index
        # the coordinates the analytic value routes the gradient to, moved up: the
        # winners of a max or a top-k stay the winners
        lead = np.abs(self.a) / max(float(np.max(np.abs(self.a))), 1e-300)
        out.append(np.stack([order, -order, ranks, -ranks, lead + 0.01 * ranks, lead]))
        if m <= 4:
            ranks = np.array(list(itertools.permutations(range(m))), dtype=np.float64)
            out.append((ranks - (m - 1) / 2) / m)
        out.append(self.rng.standard_normal((RANDOM_DIRECTIONS, m)))
        u = np.concatenate(out)
        u /= np.maximum(np.abs(u).max(axis=1, keepdims=True), 1e-300)
        return u * self.s

    def judge(self) -> tuple[str, np.ndarray, np.ndarray] | None:
        d = self.directions()
        values = self.values(np.concatenate([np.zeros((1, self.m)), d]))
        phi = values[1:] - values[0]
        slack = 2.0 * (np.abs(d) * self.tol).sum(axis=1)
        separable = (d * np.where(d > 0, self.right, self.left)).sum(axis=1)
        with np.errstate(all="ignore"):
            if np.all(np.abs(phi - separable) <= slack):
                return None
            if not np.all(np.isfinite(phi)):
                return "unsure", self.a, self.tol
            # directions where the analytic value's linear piece matches first
            mismatch = np.abs(phi - d @ self.a) / slack
        order = np.argsort(mismatch, kind="stable")
        pieces: list[np.ndarray] = []
        last_new = last_rank = rank = 0
        for n, k in enumerate(order[:PIECES_MAX]):
            g = self.piece(d[k])
            if g is None:
                continue
            if not any(np.all(np.abs(g - p) <= self.tol) for p in pieces):
                pieces.append(g)
                last_new = n
                grown = _affine_rank(np.array(pieces), self.tol)
                if grown > rank:
                    rank, last_rank = grown, n
            if np.all(np.abs(g - self.a) <= self.tol):
                return "kink", self.a.copy(), self.tol
            inside, nearest = _hull_distance(np.array(pieces), self.a, self.tol)
            if inside:
                return "kink", self.a.copy(), self.tol
            # decided early: off the affine hull of pieces whose span stopped growing
            if len(pieces) >= 2 and n - last_rank >= SATURATED and not _in_affine_hull(
                np.array(pieces), self.a, self.tol
            ):
                return self.none_taken(pieces) or "fail", nearest, self.tol
        if not pieces:
            return "unsure", self.a, self.tol
        inside, nearest = _hull_distance(np.array(pieces), self.a, self.tol)
        if self.none_taken(pieces):
            return "shared", nearest, self.tol
        estimated = min(PIECES_MAX, order.size)
        saturated = estimated - 1 - last_new >= SATURATED
        # off the affine hull of pieces whose span stopped growing: no combination of
        # adjacent pieces (e.g. the sum of a tie's gradients doubled) can explain it
        flat = len(pieces) >= 2 and estimated - 1 - last_rank >= SATURATED and not (
            _in_affine_hull(
            np.array(pieces), self.a, self.tol
        ))
        # far outside: farther from the hull than FAR times the spread of every piece
        # found (pieces not yet found would have to lie far beyond all the others)
        spread = np.max(np.abs(np.array(pieces) - np.array(pieces)[0]), axis=0)
        far = len(pieces) >= 2 and bool(
            np.max(np.abs(self.a - nearest) - self.tol) > FAR * np.max(spread)
        )
        decided = saturated or flat or bool(far)
        return ("fail" if decided else "unsure"), nearest, self.tol

    def none_taken(self, pieces: list[np.ndarray]) -> str | None:
        """``"shared"`` if the value lies in the hull of the pieces and 0.

        Units sharing the kink, none of them taken (a ReLU network at zero inputs or
        weights, mask ``<= 0``): 0 is what the chain rule gives, though it need not be
        an adjacent piece (its region can also be too thin to be met).
        """
        with_none = np.vstack([np.array(pieces), np.zeros(self.m)])
        return "shared" if _hull_distance(with_none, self.a, self.tol)[0] else None

    def piece(self, d: np.ndarray) -> np.ndarray | None:
        """Gradient (on T) of the linear piece at ``x + RADIUS d``, or None if straddling.

        Forward and backward differences at ``s/8`` from that point must agree: a kink
        at (or near) the point, e.g. a tie that the direction kept, makes them differ.
        """
        centre = RADIUS * d
        eye = np.eye(self.m)
        h = self.s / 8
        steps = np.concatenate([centre[None], centre + eye * h, centre - eye * h])
        v = self.values(steps)
        with np.errstate(all="ignore"):
            forward = (v[1 : 1 + self.m] - v[0]) / h
            backward = (v[0] - v[1 + self.m :]) / h
        if not (np.all(np.isfinite(forward)) and np.all(np.abs(forward - backward) <= self.tol)):
            return None
        return (forward + backward) / 2


def _hull_distance(
    pieces: np.ndarray, a: np.ndarray, tol: np.ndarray
) -> tuple[bool, np.ndarray]:
    """Whether ``a`` is within ``tol`` of the convex hull of ``pieces``; the nearest point.

    Distances are per coordinate, scaled by ``tol`` (max-norm): a linear program.
    """
    from scipy.optimize import linprog

    k, m = pieces.shape
    if k == 1:
        return bool(np.all(np.abs(a - pieces[0]) <= tol)), pieces[0]
    scaled = pieces / tol
    target = a / tol
    # variables: lambda (k), z; minimise z with |target - scaled^T lambda| <= z
    c = np.zeros(k + 1)
    c[-1] = 1.0
    upper = np.hstack([-scaled.T, -np.ones((m, 1))])
    lower = np.hstack([scaled.T, -np.ones((m, 1))])
    a_ub = np.vstack([upper, lower])
    b_ub = np.concatenate([-target, target])
    a_eq = np.concatenate([np.ones(k), [0.0]])[None, :]
    bounds = [(0, None)] * k + [(0, None)]
    result = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=[1.0], bounds=bounds,
                     method="highs")
    if result.status != 0:
        return False, pieces[0]
    weights = result.x[:k]
    return bool(result.x[-1] <= 1.0 + 1e-9), weights @ pieces


def _affine_rank(pieces: np.ndarray, tol: np.ndarray) -> int:
    """Dimension of the affine hull of ``pieces`` (differences above the tolerance)."""
    if pieces.shape[0] < 2:
        return 0
    diffs = (pieces[1:] - pieces[0]) / tol
    singular = np.linalg.svd(diffs, compute_uv=False)
    return int(np.sum(singular > 4.0 * np.sqrt(pieces.shape[1])))


def _in_affine_hull(pieces: np.ndarray, a: np.ndarray, tol: np.ndarray) -> bool:
    """Whether ``a`` is within ``tol`` of the affine hull of ``pieces``."""
    base = pieces[0] / tol
    if pieces.shape[0] < 2:
        return bool(np.all(np.abs(a / tol - base) <= 1.0))
    diffs = (pieces[1:] / tol - base).T
    target = a / tol - base
    # the span of the differences above their noise (as in _affine_rank): directions the
    # pieces differ in only by noise must not explain anything
    u, singular, _ = np.linalg.svd(diffs, full_matrices=False)
    basis = u[:, singular > 4.0 * np.sqrt(pieces.shape[1])]
    residual = target - basis @ (basis.T @ target)
    return bool(np.all(np.abs(residual) <= 1.0))
