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
   Before any such verdict, a second look: ``SECOND_LOOK`` random directions, and the
   pieces of the few along which the objective changes by ``a . d`` (the value's own
   piece can be a cone too thin for the directions above). A value that fits the
   objective along x's own ray (every coordinate a hair off 0) is not failed either.
4. A parameter shared by independent rows (a bias, a weight: the caller's evaluator
   returns one objective term per row) is judged row by row: rows separable in the
   group's coordinates contribute a box (their one-sided derivatives, each side a line
   through two points so that a kink a little off x does not matter), the others their
   own pieces, and the value must lie in the sum of these hulls (a chain rule picks a
   piece per row). One coordinate alone is judged so where its verdict is in doubt:
   several rows' kinks within the step look like one kink to it.
5. A small group whose kink looks wrong, or whose row lies within a step of 0, is
   judged with the row's other coordinates moved too (a slice through x can miss x's
   own piece); only the group's own verdicts change.

Cost: at most ``M_MAX`` coordinates per group (larger groups are split, and a piece of a
split group can be undecided but never failed unless every row was separable: the
coordinates outside it are held still, which can make a correct value look wrong), at
most ``1 + 12 + 32 + 24 + 16`` directional evaluations (and ``4 m`` per row-wise group
for the separability test) plus ``PIECES_MAX * (2 m + 1)`` for the pieces (and
``2 m + 1`` once more for x's own ray), plus ``SECOND_LOOK + SECOND_PIECES * 2 (2 m +
1)`` for the second look, i.e. at most ``85 + 32 + 49 * 17 + 128 + 136 = 1214``
objective evaluations per group, and ``BUDGET`` evaluations per comparison; groups
beyond that budget are ``inconclusive``.

Where the caller gives no direction evaluator, nothing changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from gradcheck.engine import lp
from gradcheck.engine.judged import KINK, UNSURE, WRONG, Judged, Tolerance

__all__ = [
    "BUDGET",
    "EvalDirections",
    "FAR",
    "M_MAX",
    "PIECES_MAX",
    "RADIAL_OUT",
    "RADIUS",
    "RANDOM_DIRECTIONS",
    "SATURATED",
    "SECOND_LOOK",
    "SECOND_PIECES",
    "judge_groups",
]

# (flat indices T, steps of shape (k, len(T))) -> objective values with x[T] += steps[i]
EvalDirections = Callable[[np.ndarray, np.ndarray], np.ndarray]

M_MAX = 8  # coordinates judged jointly at most (larger groups are split)
RANDOM_DIRECTIONS = 16
PIECES_MAX = 48  # piece gradients estimated per group at most
SATURATED = 12  # no new piece among this many estimates: the pieces are all found
BUDGET = 20_000  # objective evaluations per comparison for all groups together
FAR = 4.0  # a value this many piece spreads outside the hull fails without saturation
RADIUS = 1.0  # pieces are estimated at x + RADIUS * d, within the step's own range
SECOND_LOOK = 128  # more directions (one evaluation each) where still undecided
SECOND_PIECES = 4  # of which this many pieces estimated at most
RADIAL_OUT = 8.0  # x's own piece along x, once more this much farther out


def judge_groups(
    judged: Judged,
    step: float,
    groups: np.ndarray | None,
    at_direction: EvalDirections,
    joint: np.ndarray,
) -> list[str]:
    """Judge kinked coordinates jointly, group by group; return why any are inconclusive.

    ``judged``'s numeric values, tolerances and verdicts are updated in place, and
    ``joint`` marks the elements a joint verdict was given for. ``step`` is the relative
    step of the central differences.
    """
    members, rows, least = _members(judged, at_direction)
    if members.size == 0:
        return []
    keys = np.zeros(judged.idx.size, dtype=np.int64) if groups is None else groups[judged.idx]
    rng = np.random.default_rng(0)
    tally = {"unsure": 0, "shared": 0, "along": 0}  # undecided points, by why
    spent = 0
    for key in np.unique(keys[members]):
        group = members[keys[members] == key]
        others = _others(judged, keys == key, group, rows)
        for start in range(0, group.size, M_MAX):
            own = group[start : start + M_MAX]
            part = np.concatenate([own, others]) if start == 0 else own
            if part.size < least:
                continue
            if spent >= BUDGET:
                judged.verdict[part] = UNSURE
                tally["unsure"] += 1
                continue
            job = _Group.of(judged, part, _group_tolerance(judged, part, step),
                            at_direction, rng, rows)
            status = _verdicts(judged, job, own, group.size > M_MAX, joint)
            spent += job.evaluations
            if status in tally:
                tally[status] += 1
    return _reasons(tally)


def _members(judged: Judged, at_direction: EvalDirections) -> tuple[np.ndarray, bool, int]:
    """The kinked coordinates to judge jointly; whether by rows; the least group size."""
    verdict, at_kink = judged.verdict, judged.at_kink
    members = np.flatnonzero(at_kink & ((verdict == KINK) | (verdict == WRONG)))
    # per-row terms (a parameter shared by independent rows): one coordinate's kink may
    # be several rows' kinks within the step, so single coordinates are judged too
    per_row = getattr(at_direction, "per_row", None)
    if per_row is not None:
        # (and kinks whose steps never agreed: several rows' kinks within every step)
        undecided = np.flatnonzero(at_kink & (verdict == UNSURE))
        if undecided.size and per_row():
            members = np.union1d(members, undecided)
    rows = bool(members.size and per_row and per_row())
    # (a single coordinate is judged alone only where its own verdict is in doubt)
    least = 1 if rows and np.any(verdict[members] != KINK) else 2
    return members, rows, least


def _others(judged: Judged, in_group: np.ndarray, group: np.ndarray, rows: bool) -> np.ndarray:
    """The group's other coordinates, moved too where a kink looks wrong or x is near 0.

    A small group is judged so where a kink looks wrong or the whole row is within a step
    of 0: one coordinate alone cannot tell two kinks within the step (units of a row just
    on and just off) from one, and a slice through x misses x's own piece, the others can.
    """
    others = np.zeros(0, dtype=group.dtype)
    if not rows and group.size < M_MAX:
        row = np.flatnonzero(in_group)
        others = np.setdiff1d(row, group)[: M_MAX - group.size]
        near_zero = bool(np.all(np.abs(judged.x[row]) < judged.s[group[0]]))
        if not (near_zero or np.any(judged.verdict[group] == WRONG)):
            others = others[:0]
    return others


def _group_tolerance(judged: Judged, part: np.ndarray, step: float) -> Tolerance:
    """The group's own tolerance, by parts.

    Rounding at the inner step ``s/8`` (64 times that at ``s``: the parts scale exactly),
    the analytic side's rounding, and curvature over the step (16 steps of the largest
    slope).
    """
    slope = max(float(np.max(np.abs(v[part]))) for v in (judged.a, judged.right, judged.left))
    return judged.rho(part).scaled(64.0).rounding_plus(analytic=4.0 * judged.alpha[part],
                                                       joint=16.0 * step * slope)


def _verdicts(judged: Judged, job: _Group, own: np.ndarray, split: bool,
              joint: np.ndarray) -> str | None:
    """Judge one group and write its verdicts for ``own``; the status (None: separable).

    ``split``: the group was larger than ``M_MAX`` and this is a piece of it.
    """
    outcome = job.judge()
    if outcome is None:
        return None  # separable: the element-wise verdicts stand
    status, nearest, group_tol = outcome
    if status == "fail" and split and not job.exact:
        # a piece of a larger group was judged with the other coordinates held
        # still: that can make a correct value look wrong (overlapping pooling
        # windows at a tie), so it is never a failure on its own
        status = "unsure"
    nearest, group_tol = nearest[: own.size], group_tol[: own.size]
    # (only the group's own coordinates: the others keep their own verdicts)
    joint[own] = True
    judged.numeric[own] = nearest
    judged.tol.put(own, job.parts, slice(0, own.size), total=job.tol)
    if status == "kink":
        judged.verdict[own] = KINK
    else:
        off = np.abs(judged.a[own] - nearest) > group_tol
        judged.verdict[own] = np.where(off, WRONG if status == "fail" else UNSURE, KINK)
    return status


def _reasons(tally: dict[str, int]) -> list[str]:
    """Why points are inconclusive, from the counts of undecided points by kind."""
    reasons = []
    if tally["unsure"]:
        reasons.append(
            f"at {tally['unsure']} point(s) where several coordinates sit at a kink together "
            "(a tie, or units at their kinks), the analytic value is outside the convex hull "
            "of the adjacent pieces found, but new pieces kept turning up when the "
            f"evaluation budget ({PIECES_MAX} pieces per point, {BUDGET} evaluations) ran out"
        )
    if tally["along"]:
        reasons.append(
            f"at {tally['along']} point(s) where several coordinates sit at a kink together, "
            "the analytic value is no combination of the adjacent pieces found, but the "
            "objective changes by exactly that gradient along x itself: x's own piece, a "
            "cone thinner than the finite-difference step (x a hair off where the kinks "
            "meet), may have it"
        )
    if tally["shared"]:
        reasons.append(
            f"at {tally['shared']} point(s) where several coordinates sit at a kink together, "
            "the analytic value is no combination of the adjacent pieces but lies between "
            "them and 0: what a chain rule through several units sharing the kink (a ReLU "
            "layer at zero inputs or weights) gives when it takes none of them; finite "
            "differences cannot see the units"
        )
    return reasons


class _Pieces:
    """The pieces found so far, per term (row), and when the search last grew."""

    def __init__(self) -> None:
        self.sets: list[list[np.ndarray]] = []
        self.last_new = 0  # the candidate that last found a new piece
        self.last_rank = 0  # the candidate that last grew the pieces' affine span
        self.rank = 0

    def add(self, g: np.ndarray, n: int, segments: list[list[np.ndarray]],
            tol: np.ndarray) -> None:
        """Keep the rows of ``g`` (candidate ``n``'s pieces) not within ``tol`` of one found."""
        if not self.sets:
            self.sets = [[] for _ in range(g.shape[0])]
        new = False
        for found, gr in zip(self.sets, g, strict=True):
            if np.all(np.isfinite(gr)) and not any(
                np.all(np.abs(gr - p) <= tol) for p in found
            ):
                found.append(gr)
                new = True
        if new:
            self.last_new = n
            grown = _affine_rank(_spanning(self.sets + segments), tol) if all(
                self.sets) else 0
            if grown > self.rank:
                self.rank, self.last_rank = grown, n


class _Group:
    """One group of kinked coordinates, judged jointly.

    With ``rows``, the evaluator returns one objective term per independent row (and the
    rest, e.g. regularization, as a last term): each term's pieces are collected on
    their own, and the value is judged against the sum of the terms' hulls (a chain rule
    picks a piece per row, whatever the other rows pick).
    """

    def __init__(self, T: np.ndarray, a: np.ndarray, s: np.ndarray, right: np.ndarray,
                 left: np.ndarray, tol: Tolerance, at_direction: EvalDirections,
                 rng: np.random.Generator, x: np.ndarray, rows: bool = False) -> None:
        self.T, self.a, self.s, self.right, self.left = T, a, s, right, left
        self.x = x
        self.side = np.sign(x)  # away from a kink near (not at) 0
        self.at_direction, self.rng = at_direction, rng
        self.m = T.size
        self.parts = tol  # the group's tolerance by its parts, and their sum:
        self.tol = tol.total()
        self.rows = rows
        self.evaluations = 0
        self.segments: list[list[np.ndarray]] = []  # separable rows' box, per coordinate
        self.exact = False  # every row separable: the verdict needs no piece search
        self.radial: np.ndarray | None = None  # the direction along x itself

    @classmethod
    def of(cls, judged: Judged, part: np.ndarray, tol: Tolerance,
           at_direction: EvalDirections, rng: np.random.Generator, rows: bool) -> _Group:
        """The group of ``judged``'s elements ``part``, with its own tolerance ``tol``."""
        return cls(judged.idx[part], judged.a[part], judged.s[part], judged.right[part],
                   judged.left[part], tol, at_direction, rng, judged.x[part], rows)

    def values(self, steps: np.ndarray) -> np.ndarray:
        """Objective terms ``(k, terms)`` (one term unless per row)."""
        self.evaluations += steps.shape[0]
        out = np.asarray(self.at_direction(self.T, steps), dtype=np.float64)
        return out.reshape(steps.shape[0], -1)

    def directions(self) -> np.ndarray:
        m = self.m
        out = []
        if m <= 5:
            signs = np.array(list(itertools.product((1.0, -1.0), repeat=m)))
        else:
            signs = self.rng.choice((1.0, -1.0), size=(16, m))
        up = np.where(self.side == 0, 1.0, self.side)
        down = np.where(self.side == 0, -1.0, self.side)
        # along x itself (away from kinks whose planes pass near 0, as a ReLU layer's
        # without biases: x's own piece stays put), then the coordinates' own sides
        out.append(np.stack([self.x, up, -up, down, -down, np.ones(m), -np.ones(m)]))
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
        u = u[np.abs(u).max(axis=1) > 0]  # (a single coordinate has no order)
        u /= np.abs(u).max(axis=1, keepdims=True)
        return u * self.s

    def judge(self) -> tuple[str, np.ndarray, np.ndarray] | None:
        """``(status, nearest point of the hull, tolerance)``, or None where separable.

        ``status``: ``"kink"`` (accepted), ``"fail"``, ``"unsure"``, ``"shared"`` (in
        the hull of the pieces and 0) or ``"along"`` (fits along x's own ray).
        """
        d = self.directions()
        values = self.values(np.concatenate([np.zeros((1, self.m)), d]))
        phi = values[1:].sum(axis=1) - values[0].sum()
        slack = 2.0 * (np.abs(d) * self.tol).sum(axis=1)
        separable = (d * np.where(d > 0, self.right, self.left)).sum(axis=1)
        with np.errstate(all="ignore"):
            # (per row, the coordinate's own one-sided derivatives can be those of
            # several rows' kinks within the step: not evidence of separability)
            if not self.rows and np.all(np.abs(phi - separable) <= slack):
                return None
            if not np.all(np.isfinite(phi)):
                return "unsure", self.a, self.tol
            # directions where the analytic value's linear piece matches first
            mismatch = np.abs(phi - d @ self.a) / slack
        keep = None
        if self.rows:
            # rows separable in these coordinates contribute a box (one segment per
            # coordinate, between the row's one-sided derivatives): only the others need
            # their pieces searched
            keep, self.segments = self.separable_rows(d, values, slack)
            if not keep.any():
                self.exact = True
                inside, nearest = _sum_hull_distance(self.segments, self.a, self.tol)
                return ("kink", self.a.copy(), self.tol) if inside else (
                    "fail", nearest, self.tol)
        candidates = self.candidates(d, mismatch)
        found = _Pieces()
        for n, dk in enumerate(candidates):
            outcome = self.try_piece(n, dk, keep, found, mismatch)
            if outcome is not None:
                return outcome
        return self.last_word(found, len(candidates), keep, mismatch)

    def candidates(self, d: np.ndarray, mismatch: np.ndarray) -> np.ndarray:
        """Directions to estimate pieces along: ``d`` by ``mismatch``, then random ones.

        Along x itself first (``radial``), where x is not 0.
        """
        order = np.argsort(mismatch, kind="stable")
        self.radial = d[0] if np.any(self.x) else None
        if self.radial is not None:
            order = np.concatenate([[0], order[order != 0]])
        # then random directions (uniform on the sphere: thin cones between kinks are met
        # too), so that PIECES_MAX pieces can be estimated even where the directions
        # above are fewer (saturation needs that many).
        # (a generator of their own: the groups' shared one keeps its sequence)
        more = np.random.default_rng(self.m).standard_normal((PIECES_MAX, self.m)) + 1e-300
        more = more / np.abs(more).max(axis=1, keepdims=True) * self.s
        return np.concatenate([d[order], more])[:PIECES_MAX]

    def try_piece(self, n: int, dk: np.ndarray, keep: np.ndarray | None, found: _Pieces,
                  mismatch: np.ndarray) -> tuple[str, np.ndarray, np.ndarray] | None:
        """Estimate the piece along candidate ``n``; an outcome if that decides."""
        g = self.piece(dk)
        if g is None and n == 0 and self.radial is not None:
            # x's own piece along x can be a thin cone: farther out, with a finer step
            g = self.piece(self.radial * RADIAL_OUT, self.s / 16)
        if g is not None and keep is not None:
            g = g[keep]
        if g is None or not np.any(np.isfinite(g)):
            return None
        found.add(g, n, self.segments, self.tol)
        if np.all(np.isfinite(g)) and (_sum_hull_distance(
                [[g.sum(axis=0)], *self.segments], self.a, self.tol)[0]):
            return "kink", self.a.copy(), self.tol
        sets = found.sets
        if not all(sets):
            return None  # a row without any piece yet: its share is unknown
        inside, nearest = _sum_hull_distance(sets + self.segments, self.a, self.tol)
        if inside:
            return "kink", self.a.copy(), self.tol
        # decided early: off the affine hull of pieces whose span stopped growing
        span = _spanning(sets + self.segments)
        if len(span) >= 2 and n - found.last_rank >= SATURATED and not _in_affine_hull(
            span, self.a, self.tol
        ):
            if self.second_look(keep):
                return "kink", self.a.copy(), self.tol
            return self.none_taken(sets) or self.failed(mismatch), nearest, self.tol
        return None

    def last_word(self, found: _Pieces, estimated: int, keep: np.ndarray | None,
                  mismatch: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
        """The outcome once every candidate was tried."""
        if self.second_look(keep):
            return "kink", self.a.copy(), self.tol
        sets = found.sets
        if not sets or not all(sets):
            return "unsure", self.a, self.tol
        inside, nearest = _sum_hull_distance(sets + self.segments, self.a, self.tol)
        if self.none_taken(sets):
            return "shared", nearest, self.tol
        saturated = estimated - 1 - found.last_new >= SATURATED
        # off the affine hull of pieces whose span stopped growing: no combination of
        # adjacent pieces (e.g. the sum of a tie's gradients doubled) can explain it
        span = _spanning(sets + self.segments)
        flat = len(span) >= 2 and estimated - 1 - found.last_rank >= SATURATED and not (
            _in_affine_hull(span, self.a, self.tol)
        )
        # far outside: farther from the hull than FAR times the spread of every piece
        # found (pieces not yet found would have to lie far beyond all the others)
        spread = sum(np.max(np.abs(np.array(p) - p[0]), axis=0) for p in sets + self.segments)
        far = len(span) >= 2 and bool(
            np.max(np.abs(self.a - nearest) - self.tol) > FAR * np.max(spread)
        )
        decided = saturated or flat or bool(far)
        return (self.failed(mismatch) if decided else "unsure"), nearest, self.tol

    def failed(self, mismatch: np.ndarray) -> str:
        """``"fail"``, unless the value fits the objective along x's own ray.

        Every coordinate a hair off 0 and ``f(x + t x) - f(x) = t a . x``: kinks whose
        planes meet near 0 (a ReLU layer without biases) leave that ray in x's own piece,
        which the piece estimates can miss (a cone thinner than their inner step).
        """
        radial = self.radial
        fits = radial is not None and bool(np.all(radial != 0)) and mismatch[0] <= 1.0
        return "along" if fits else "fail"

    def second_look(self, keep: np.ndarray | None) -> bool:
        """Whether the value's own piece turns up among ``SECOND_LOOK`` more directions.

        Undecided so far: random directions, one evaluation each, and the pieces of the
        few along which the objective changes by ``a . d`` (at most ``SECOND_PIECES``):
        the value's piece can be a cone too thin for the directions above (all units off
        at a ReLU layer's zero input).
        """
        rng = np.random.default_rng(self.m + 1)
        u = rng.standard_normal((SECOND_LOOK, self.m)) + 1e-300
        d = u / np.abs(u).max(axis=1, keepdims=True) * self.s
        values = self.values(np.concatenate([np.zeros((1, self.m)), d])).sum(axis=1)
        slack = 2.0 * (np.abs(d) * self.tol).sum(axis=1)
        with np.errstate(all="ignore"):
            fits = np.flatnonzero(np.abs(values[1:] - values[0] - d @ self.a) <= slack)
        for k in fits[:SECOND_PIECES]:
            g = self.piece(d[k])
            if g is None:  # a thin cone: farther out along d, with a finer step
                g = self.piece(d[k] * RADIAL_OUT, self.s / 16)
            if g is None:
                continue
            if keep is not None:
                g = g[keep]
            if np.all(np.isfinite(g)) and _sum_hull_distance(
                    [[g.sum(axis=0)], *self.segments], self.a, self.tol)[0]:
                return True
        return False

    def none_taken(self, sets: list[list[np.ndarray]]) -> str | None:
        """``"shared"`` if the value lies in the hull of the pieces and 0 (row by row).

        Units sharing the kink, none of them taken (a ReLU network at zero inputs or
        weights, mask ``<= 0``): 0 is what the chain rule gives, though it need not be
        an adjacent piece (its region can also be too thin to be met).
        """
        # (per row: only rows with a kink of their own, i.e. more than one piece)
        with_none = [[*found, np.zeros(self.m)] if len(found) > 1 or len(sets) == 1
                     else found for found in sets]
        inside = _sum_hull_distance(with_none + self.segments, self.a, self.tol)[0]
        return "shared" if inside else None

    def separable_rows(
        self, d: np.ndarray, values: np.ndarray, slack: np.ndarray
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        """Which rows need their pieces searched; the others' contribution as segments.

        A row is separable in the group's coordinates when its change along every
        direction tried is the sum of its one-sided derivatives along the axes (taken at
        the full and half step, ``4 m`` more evaluations). Such a row can take either side of
        each coordinate's kink on its own: its contribution is a box, and the boxes of
        all such rows sum to one box, given as one segment per coordinate.
        """
        m = self.m
        full, half = np.diag(self.s), np.diag(self.s / 2)
        axes = self.values(np.concatenate([full, half, -half, -full]))
        base = values[0]
        h = (self.s / 2)[:, None]
        with np.errstate(all="ignore"):
            # each side a line through its two points (not through 0: the row's kink may
            # sit a little off x, which shifts the line, not its slope)
            up, up2 = axes[:m] - base, axes[m : 2 * m] - base  # (m, rows)
            down2, down = axes[2 * m : 3 * m] - base, axes[3 * m :] - base
            right, left = (up - up2) / h, (down2 - down) / h
            shift_up, shift_down = up - right * 2 * h, down + left * 2 * h
            pos, neg = d > 0, d < 0
            predicted = (np.maximum(d, 0) @ right + pos @ shift_up
                         + np.minimum(d, 0) @ left + neg @ shift_down)
            # a component smaller than its kink's offset moves on the other piece: the
            # model is then off by at most the shift itself
            shifts = np.abs(shift_up) + np.abs(shift_down)  # (m, rows)
            offset = shifts / np.maximum(np.abs(right - left), 1e-300)
            near = np.abs(d)[:, :, None] <= 2 * offset[None]  # (k, m, rows)
            allowed = 2 * slack[:, None] + 2 * np.einsum("kmr,mr->kr", near, shifts)
            fits = np.abs(values[1:] - base - predicted) <= allowed
            apart = np.all(fits, axis=0) & np.all(np.isfinite(right) & np.isfinite(left),
                                                   axis=0)
        lo = np.minimum(right, left)[:, apart].sum(axis=1)
        hi = np.maximum(right, left)[:, apart].sum(axis=1)
        eye = np.eye(m)
        segments = [[lo[j] * eye[j], hi[j] * eye[j]] if hi[j] - lo[j] > self.tol[j]
                    else [(lo[j] + hi[j]) / 2 * eye[j]] for j in range(m)]
        return ~apart, segments

    def piece(self, d: np.ndarray, h: np.ndarray | None = None) -> np.ndarray | None:
        """Gradients (on T) of the linear pieces at ``x + RADIUS d``, one row per term.

        Forward and backward differences at ``s/8`` from that point must agree: a kink
        at (or near) the point, e.g. a tie that the direction kept, makes them differ,
        and that term's row is NaN. None if every term straddles a kink.
        """
        centre = RADIUS * d
        eye = np.eye(self.m)
        h = self.s / 8 if h is None else h
        steps = np.concatenate([centre[None], centre + eye * h, centre - eye * h])
        v = self.values(steps)
        with np.errstate(all="ignore"):
            forward = ((v[1 : 1 + self.m] - v[0]).T / h)
            backward = ((v[0] - v[1 + self.m :]).T / h)
            ok = np.all(np.isfinite(forward) & (np.abs(forward - backward) <= self.tol),
                        axis=1)
        if not ok.any() or (not self.rows and not ok.all()):
            return None
        return np.where(ok[:, None], (forward + backward) / 2, np.nan)


def _spanning(sets: list[list[np.ndarray]]) -> np.ndarray:
    """Points whose affine hull is that of the sum of the sets' hulls.

    The sum of every set's first point, and that sum moved by each other point's
    difference from its set's first (a single set: its own points).
    """
    base = sum(found[0] for found in sets)
    moved = [base + (p - found[0]) for found in sets for p in found[1:]]
    return np.array([base, *moved])


def _sum_hull_distance(
    sets: list[list[np.ndarray]], a: np.ndarray, tol: np.ndarray
) -> tuple[bool, np.ndarray]:
    """Whether ``a`` is within ``tol`` of the sum of the sets' convex hulls; the nearest.

    One set: its hull (:func:`_hull_distance`). Several (one per independent row): a
    point of each hull, summed (a linear program, weights summing to 1 per set).
    """
    fixed = sum((found[0] for found in sets if len(found) == 1), np.zeros_like(a))
    free = [np.array(found) for found in sets if len(found) > 1]
    if not free:
        return bool(np.all(np.abs(a - fixed) <= tol)), fixed
    if len(free) == 1:
        inside, nearest = _hull_distance(free[0], a - fixed, tol)
        return inside, nearest + fixed
    pieces = np.vstack(free)
    k, m = pieces.shape
    scaled = pieces / tol
    target = (a - fixed) / tol
    c = np.zeros(k + 1)
    c[-1] = 1.0
    a_ub = np.vstack([np.hstack([-scaled.T, -np.ones((m, 1))]),
                      np.hstack([scaled.T, -np.ones((m, 1))])])
    b_ub = np.concatenate([-target, target])
    a_eq = np.zeros((len(free), k + 1))
    lo = 0
    for i, block in enumerate(free):
        a_eq[i, lo : lo + len(block)] = 1.0
        lo += len(block)
    x = lp.solve(c, a_ub, b_ub, a_eq, np.ones(len(free)))
    if x is None:
        return False, fixed + sum(block[0] for block in free)
    return bool(x[-1] <= 1.0 + 1e-9), fixed + x[:k] @ pieces


def _hull_distance(
    pieces: np.ndarray, a: np.ndarray, tol: np.ndarray
) -> tuple[bool, np.ndarray]:
    """Whether ``a`` is within ``tol`` of the convex hull of ``pieces``; the nearest point.

    Distances are per coordinate, scaled by ``tol`` (max-norm): a linear program.
    """
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
    x = lp.solve(c, a_ub, b_ub, a_eq, np.array([1.0]))
    if x is None:
        return False, pieces[0]
    weights = x[:k]
    return bool(x[-1] <= 1.0 + 1e-9), weights @ pieces


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
