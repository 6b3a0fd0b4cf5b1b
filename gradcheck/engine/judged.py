"""The elements being judged: their state through the levels, and their tolerance by parts.

:func:`gradcheck.engine.numerics.compare` judges the elements of one variable level by
level; every level, and the joint kink test of :mod:`gradcheck.engine.kinks`, reads and
updates one :class:`Judged`. Each element's tolerance is a :class:`Tolerance` kept by
its parts (rounding, argument, noise, analytic side, truncation, kink, joint test) and
summed in one place, :meth:`Tolerance.total`; the report shows the parts of the worst
element (``gradcheck -v``). The outcome is a :class:`Comparison`.

The parts are merged lazily: the levels keep each tolerance they wrote as it was
(:class:`Written`, their sums kept per element), and the parts of one element are looked up
only when a report asks for them (:meth:`Comparison.tolerance_parts`), instead of
seven arrays being copied into every time a level judges elements again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from gradcheck.report import Verdict

__all__ = ["KINK", "NOT_COMPARED", "PARTS", "PASS", "UNSURE", "WRONG", "Comparison",
           "EvalAt", "EvalBase", "Judged", "Part", "Parts", "Tolerance", "Written"]

# Verdict's codes as plain ints, for arrays of verdicts: numpy compares an array with an
# int about five times faster than with an IntEnum member (1.4 vs 6.3 us, 40 elements)
PASS, KINK, UNSURE, WRONG = (int(v) for v in (Verdict.PASS, Verdict.KINK, Verdict.UNSURE,
                                               Verdict.WRONG))
NOT_COMPARED = int(Verdict.NOT_COMPARED)

# (flat element indices, deltas) -> objective values with x[index] += delta, or
# (values, absolute scales) when the evaluator knows a tighter rounding scale than base's
EvalAt = Callable[[np.ndarray, np.ndarray], Any]
# flat element indices -> (objective values at x, absolute scales)
EvalBase = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

# A part of a tolerance: one value per element, or 0.0 for a part a level does not have
Part = np.ndarray | float

PARTS = ("truncation", "kink", "rounding", "argument", "noise", "analytic", "joint")


@dataclass(slots=True)
class Tolerance:
    """Each element's tolerance, kept by its parts; :meth:`total` is where they are summed.

    Parts a level does not have are ``0.0``. Every part is in the derivative's units:

    - ``truncation``: what the finite step leaves, ``|D(s) - D(s/2)|`` at the level that
      decided (or the residual of the finest local fit, ``s/1024``);
    - ``kink``: at a kink, twice the change of the one-sided derivatives between two steps;
    - ``rounding``: the objective's rounding, ``C_ROUND eps S / s``, at the level's step;
    - ``argument``: the rounding of ``x + s`` itself, ``C_ARGUMENT eps |x D| / s``;
    - ``noise``: rounding noise measured inside forward (cancellation), step 5;
    - ``analytic``: the analytic side's rounding, ``C_ANALYTIC eps max|a|`` (losses: plus
      the clipping floor; where forward cancels, plus that rounding);
    - ``joint``: the joint kink test's allowance for curvature over the step.

    Levels scale the rounding parts by powers of two (a smaller step), which is exact:
    the sum is the same, bit for bit, as the one the levels used to compute directly.
    The scaling is kept as a factor (``scale``, applied to the three rounding parts) until
    a part itself is asked for: ``((r + a) + n) * scale`` is ``(r scale + a scale) + n
    scale`` bit for bit (the parts are never negative and the factor is a power of two,
    at least 1), and one element's parts are read only for a report.
    """

    truncation: Part = 0.0
    kink: Part = 0.0
    rounding: Part = 0.0
    argument: Part = 0.0
    noise: Part = 0.0
    analytic: Part = 0.0
    joint: Part = 0.0
    scale: float | np.ndarray = 1.0  # (the rounding parts' factor, not yet applied)

    def total(self, rounding: Part | None = None) -> np.ndarray:
        """The tolerance: the sum of the parts (the one place they are added).

        ``((truncation + kink) + ((rounding + argument) + noise)) + analytic + joint``,
        in this order (the order each level used to add its own terms in); a part that
        is ``0.0`` is skipped, which changes no bit. Always a new array. ``rounding``:
        :meth:`rounding_total` of these same parts, when the caller has it already.
        """
        if rounding is None:
            rounding = self.rounding_total()
        out = _add3(_add3(self.truncation, self.kink, rounding), self.analytic, self.joint)
        if not isinstance(out, np.ndarray) or out is self.analytic or out is self.rounding \
                or out is self.argument or out is self.truncation or out is self.kink \
                or out is self.noise or out is self.joint:
            return np.array(out, dtype=np.float64)  # (a copy: never a part itself)
        return out

    def rounding_total(self) -> Part:
        """``(rounding + argument) + noise``, as :meth:`total` adds them (may be a part)."""
        out = _add3(self.rounding, self.argument, self.noise)
        scale = self.scale
        if isinstance(scale, float) and scale == 1.0:
            return out
        return out * scale if isinstance(out, np.ndarray) or out != 0.0 else 0.0

    def parts(self) -> tuple[Part, ...]:
        """The parts, in the order of :data:`PARTS` (the rounding parts scaled)."""
        r, a, n = self._rounding_parts()
        return (self.truncation, self.kink, r, a, n, self.analytic, self.joint)

    def _rounding_parts(self) -> tuple[Part, Part, Part]:
        scale = self.scale
        if isinstance(scale, float) and scale == 1.0:
            return self.rounding, self.argument, self.noise
        return tuple(value * scale if isinstance(value, np.ndarray) or value != 0.0 else 0.0
                     for value in (self.rounding, self.argument, self.noise))  # type: ignore[return-value]

    def _plain(self) -> Tolerance:
        """These parts with the factor applied (this tolerance itself when there is none)."""
        scale = self.scale
        if isinstance(scale, float) and scale == 1.0:
            return self
        return Tolerance(*self.parts())

    def rounding_plus(self, *, truncation: Part = 0.0, kink: Part = 0.0,
                      analytic: Part = 0.0, joint: Part = 0.0) -> Tolerance:
        """The rounding parts (rounding, argument, noise) with a level's own other parts."""
        return Tolerance(truncation, kink, self.rounding, self.argument, self.noise, analytic,
                         joint, self.scale)

    def scaled(self, factor: float | np.ndarray) -> Tolerance:
        """Every part times ``factor`` (a power of two, at least 1)."""
        if isinstance(self.truncation, float) and self.truncation == 0.0 \
                and isinstance(self.kink, float) and self.kink == 0.0 \
                and isinstance(self.analytic, float) and self.analytic == 0.0 \
                and isinstance(self.joint, float) and self.joint == 0.0:
            # (only rounding parts, as every level's: the factor kept, applied when read)
            return Tolerance(rounding=self.rounding, argument=self.argument, noise=self.noise,
                             scale=self.scale * factor)
        # (_scale written out: a part a level does not have stays one number)
        return Tolerance(*[value * factor if isinstance(value, np.ndarray) or value != 0.0
                           else 0.0 for value in self.parts()])

    def take(self, which: Any) -> Tolerance:
        """The parts of the elements ``which``."""
        return Tolerance(_part(self.truncation, which), _part(self.kink, which),
                         _part(self.rounding, which), _part(self.argument, which),
                         _part(self.noise, which), _part(self.analytic, which),
                         _part(self.joint, which), _part(self.scale, which))

    def copy(self) -> Tolerance:
        """Parts of its own (arrays copied), to be written into by :meth:`put`."""
        plain = self._plain()
        return Tolerance(*[value.copy() if isinstance(value, np.ndarray) and plain is self
                           else value for value in plain.parts()])

    def put(self, where: Any, other: Tolerance, pick: Any = slice(None)) -> None:
        """Elements ``where`` take ``other``'s parts (those at ``pick`` in ``other``).

        Writes into this tolerance's own arrays (see :meth:`copy`); a part that was
        ``0.0`` becomes an array first.
        """
        assert isinstance(self.scale, float) and self.scale == 1.0  # (a copy())
        n = self._size()
        for name, theirs in zip(PARTS, other.parts(), strict=True):
            mine = getattr(self, name)
            array = isinstance(theirs, np.ndarray)
            if not isinstance(mine, np.ndarray):
                if not array and theirs == mine:
                    continue
                mine = np.full(n, float(mine))
                setattr(self, name, mine)
            mine[where] = _part(theirs, pick)

    def where(self, mask: np.ndarray, other: Tolerance) -> Tolerance:
        """Per element, ``other``'s parts where ``mask``, else these.

        Every element masked (every element at a kink): ``other``'s parts themselves,
        not copied (as :meth:`rounding_plus` shares them; :meth:`copy` before
        :meth:`put`). A part that is ``0.0`` there stays one number where ``np.where``
        would spread it into zeros: the sums and each element's parts are the same.
        """
        if mask.all():
            return Tolerance(other.truncation, other.kink, other.rounding, other.argument,
                             other.noise, other.analytic, other.joint, other.scale)
        return Tolerance(*[_choose(mask, theirs, mine)
                           for theirs, mine in zip(other.parts(), self.parts(), strict=True)])

    def at(self, i: int) -> dict[str, float]:
        """The parts of element ``i``, by name."""
        scale = self.scale
        factor = float(scale[i]) if isinstance(scale, np.ndarray) else scale
        out = {}
        for name, value in zip(PARTS, (self.truncation, self.kink, self.rounding,
                                       self.argument, self.noise, self.analytic, self.joint),
                               strict=True):
            v = value.item(i) if isinstance(value, np.ndarray) else value
            if factor != 1.0 and name in _ROUNDING and (isinstance(value, np.ndarray)
                                                       or value != 0.0):
                v = v * factor
            out[name] = v
        return out

    def _size(self) -> int:
        for value in self.parts():
            if isinstance(value, np.ndarray):
                return int(value.size)
        raise ValueError("a tolerance without any array part has no size")


_ROUNDING = frozenset(("rounding", "argument", "noise"))


def _add3(x: Part, y: Part, z: Part) -> Part:
    """``(x + y) + z``, skipping parts that are ``0.0`` (the parts are never negative)."""
    out: Part = 0.0
    for value in (x, y, z):
        if isinstance(value, np.ndarray):
            out = value if isinstance(out, float) and out == 0.0 else out + value
        elif value != 0.0:
            out = out + value
    return out


def _part(value: Any, which: Any) -> Any:
    """``value[which]``, or ``value`` itself where it is one number for every element."""
    return value[which] if isinstance(value, np.ndarray) else value


def _choose(mask: np.ndarray, theirs: Part, mine: Part) -> Part:
    if not isinstance(theirs, np.ndarray) and not isinstance(mine, np.ndarray) \
            and theirs == mine:
        return mine
    return np.asarray(np.where(mask, theirs, mine))


class Parts(Protocol):
    """Tolerances that give one element's parts (:class:`Tolerance`, :class:`Written`)."""

    def at(self, i: int) -> dict[str, float]:
        """The parts of element ``i``, by name."""


class Written:
    """Each element's tolerance by its parts, as the levels wrote it: merged only when asked.

    Starts from ``first`` (the first level's :class:`Tolerance`, never written into); each
    :meth:`put` records which elements another tolerance's parts now hold, and, when this
    keeps the sums (``totals``), writes those elements' sums. :meth:`at` finds the last
    write of an element and reads its parts there: the same parts, element by element,
    that copying every write into seven arrays gave, at the cost of one element's lookup
    when a report asks, not seven array writes per level.
    """

    __slots__ = ("_first", "_size", "_writes", "totals")

    def __init__(self, first: Parts, size: int, totals: np.ndarray | None = None) -> None:
        self._first, self._size = first, size
        self._writes: list[tuple[Any, Parts, Any]] = []
        # each element's tolerance, the sum of its parts (this object's own array)
        self.totals = totals

    def put(self, where: Any, other: Parts, pick: Any = slice(None), *,
            total: np.ndarray | None = None) -> None:
        """Elements ``where`` take ``other``'s parts (those at ``pick`` in ``other``).

        ``total``: ``other``'s sums (:meth:`Tolerance.total`), when the caller has them;
        written into :attr:`totals` when this keeps them.
        """
        self._writes.append((where, other, pick))
        if self.totals is not None:
            if total is None:
                assert isinstance(other, Tolerance)
                total = other.total()
            self.totals[where] = total[pick]

    def at(self, i: int) -> dict[str, float]:
        """The parts of element ``i``, by name (from the last tolerance written there)."""
        for where, other, pick in reversed(self._writes):
            j = _position(where, i, self._size)
            if j is not None:
                return other.at(_picked(pick, j))
        return self._first.at(i)


def _position(where: Any, i: int, size: int) -> int | None:
    """Where element ``i`` is among the elements ``where`` (the last time), or None."""
    if isinstance(where, slice):
        span = range(size)[where]
        return span.index(i) if i in span else None
    where = np.asarray(where)
    if where.dtype == bool:
        return int(np.count_nonzero(where[:i])) if where[i] else None
    hits = np.flatnonzero(where == i)  # (numpy's assignment: the last one wins)
    return int(hits[-1]) if hits.size else None


def _picked(pick: Any, j: int) -> int:
    """The ``j``-th of the elements ``pick`` selects."""
    if isinstance(pick, slice):
        start, _, step = pick.indices(1 << 62)
        return start + j * step
    pick = np.asarray(pick)
    if pick.dtype == bool:
        return int(np.flatnonzero(pick)[j])
    return int(pick[j])


@dataclass
class Comparison:
    """Per-element outcome of comparing analytic and numeric derivatives."""

    index: np.ndarray  # flat indices compared
    analytic: np.ndarray
    numeric: np.ndarray
    tolerance: np.ndarray  # parts.total()
    verdict: np.ndarray  # Verdict codes: PASS, KINK, UNSURE, WRONG
    at_kink: np.ndarray | None = None  # where the one-sided differences showed a kink
    reasons: list[str] = field(default_factory=list)  # why elements are UNSURE
    parts: Parts | None = None  # the tolerance by its parts

    @property
    def error(self) -> np.ndarray:
        """``|analytic - numeric|`` (inf where the numeric value is not finite)."""
        err = np.abs(self.analytic - self.numeric)
        return np.where(np.isfinite(err), err, np.inf)

    def worst(self) -> int:
        """Position (into ``index``) of the element that matters most for the report."""
        err = np.abs(self.analytic - self.numeric)
        ratio = np.minimum(err / np.maximum(self.tolerance, 1e-300), 1e300)
        bad = self.verdict >= UNSURE
        if not bad.any():
            return int(ratio.argmax())  # (a NaN first: ratio is never inf)
        ratio = np.where(np.isfinite(ratio), ratio, 1e300)
        rank = np.where(self.verdict == WRONG, 4.0, np.where(bad, 2.0, 0.0))
        return int(np.argmax(rank + ratio / (1.0 + ratio) * 1.999))

    def tolerance_parts(self, position: int) -> dict[str, float] | None:
        """The parts of the tolerance at ``position`` (into ``index``), by name."""
        return None if self.parts is None else self.parts.at(position)

    def update(self, positions: np.ndarray, other: Comparison) -> None:
        """Elements at ``positions`` take ``other``'s numeric value, tolerance and verdict.

        ``other`` compared exactly those elements, in that order (suspects judged again).
        """
        self.numeric[positions] = other.numeric
        self.tolerance[positions] = other.tolerance
        self.verdict[positions] = other.verdict
        if self.parts is not None and other.parts is not None:
            parts = Written(self.parts, self.index.size)  # (never written into)
            parts.put(positions, other.parts)
            self.parts = parts
        else:
            self.parts = None


@dataclass
class Judged:
    """The elements being judged, and everything the levels know about them.

    Every level reads and updates this one object: the numeric values, the verdicts and
    the tolerance each verdict used (:class:`Tolerance`, by its parts), the one-sided
    derivatives, where a kink was seen. ``rounding`` is the objective's rounding at the
    first step ``s`` (with the noise measured in forward, once measured): each level
    scales it to its own step.
    """

    idx: np.ndarray  # flat indices compared
    x: np.ndarray  # the values at those indices
    a: np.ndarray  # the analytic values
    s: np.ndarray  # the first step of each element
    size: np.ndarray  # max(floor, |x|): steps are relative to it
    f0: np.ndarray
    scale: np.ndarray  # the objective's absolute scale at x
    fp: np.ndarray | None  # the objective at x + s, x - s (None after a one-sided level)
    fm: np.ndarray | None
    halves: tuple[np.ndarray, np.ndarray] | None  # at x + s/2, x - s/2, when evaluated
    at: EvalAt
    numeric: np.ndarray
    tol: Written  # what each element's verdict used (its totals: the sums)
    rounding: Tolerance  # the objective's rounding at s: rounding, argument, noise
    tight: np.ndarray  # the objective's rounding from the moved outputs only (sees kinks)
    alpha: np.ndarray  # the analytic side's rounding
    verdict: np.ndarray
    suspects: np.ndarray  # the elements that did not pass at the first level
    at_kink: np.ndarray = field(init=False)  # where the one-sided differences saw a kink
    right: np.ndarray = field(init=False)  # one-sided derivatives, at the last level
    left: np.ndarray = field(init=False)
    shared: np.ndarray = field(init=False)  # kinks whose sides slope the same way

    def __post_init__(self) -> None:
        self.right, self.left = self.numeric.copy(), self.numeric.copy()
        self.at_kink = np.zeros(self.idx.size, dtype=bool)
        self.shared = np.zeros(self.idx.size, dtype=bool)
        self.rounding.noise = np.zeros(self.idx.size)  # (filled where measured)

    def rho(self, part: Any = slice(None)) -> Tolerance:
        """The objective's rounding at ``s`` of the elements ``part``."""
        return self.rounding.take(part)

    def tight_rho(self, part: Any = slice(None)) -> Tolerance:
        """As :meth:`rho`, with the rounding scale of the outputs that moved."""
        noise = self.rounding.noise
        return Tolerance(rounding=_part(self.tight, part), argument=_part(self.rounding.argument,
                         part), noise=_part(noise, part))

    def comparison(self, reasons: list[str]) -> Comparison:
        """The outcome, with each tolerance summed from its parts."""
        totals = self.tol.totals
        assert totals is not None
        return Comparison(self.idx, self.a, self.numeric, totals, self.verdict,
                          self.at_kink, reasons, self.tol)
