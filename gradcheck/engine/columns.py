"""Parameter perturbations stacked side by side along the output's columns.

In a dense layer (``x @ W + b``) output column ``c`` depends on column ``c`` of each
parameter alone. Then ``K`` copies of the parameters placed side by side (``W`` becomes
``(n_in, K * n_out)``) give ``K`` copies of the output side by side, and every copy can
carry its own perturbations, one per column: a single forward call evaluates up to
``K * n_out`` perturbed elements, where perturbing one element per call costs a call each.

This column independence is verified by probes before it is used, and the values it gives
only *screen* the elements: whatever does not pass at once is judged again by the trusted
path, one element per forward call, so a layer that fooled the probes can cost time but
never change a verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.engine.budget import copies_per_call
from gradcheck.engine.numerics import same_outputs
from gradcheck.errors import NotStackableError, ProtocolError, UserCodeError
from gradcheck.protocol.subject import Subject

__all__ = ["Columns", "MIN_ELEMENTS", "NotStackableError"]

MIN_ELEMENTS = 24  # below this many parameter elements the plain loop is cheaper (measured)


class Columns:
    """Stacked parameter evaluation for one layer on one batch."""

    def __init__(
        self,
        subject: Subject,
        x: np.ndarray,
        rng: np.random.Generator,
        base: Callable[[], np.ndarray | None],
        condition: dict[str, np.ndarray],
    ) -> None:
        self.subject, self.x, self.rng, self._base = subject, x, rng, base
        self._condition = condition
        self._usable: bool | None = None
        self.out0: np.ndarray | None = None

    # -- may the columns be stacked? ------------------------------------------------
    def usable(self) -> bool:
        """Whether every parameter may be stacked along the output's columns (probed once)."""
        if self._usable is None:
            self._usable = self._probe()
        return self._usable

    def _probe(self) -> bool:
        subject = self.subject
        params = subject.params
        if not subject.takes_upstream_gradient or subject.pin.draws or not params:
            return False
        if sum(p.size for p in params.values()) < MIN_ELEMENTS:
            return False
        out0 = self._base()
        if out0 is None or out0.ndim != 2:
            return False
        m: int = out0.shape[1]
        if any(p.ndim != 2 or p.shape[1] != m for p in params.values()):
            return False
        try:
            other = {n: -0.75 * p[:, ::-1] + 0.125 for n, p in params.items()}
            out_other = self._forward(other)
            # two copies side by side, their columns drawn from both parameter sets: each
            # copy must give its own output, each column must follow its parameter column
            mask = self.rng.random(m) < 0.5
            if m > 1:
                some = self.rng.permutation(m)[:2]
                mask[some] = (True, False)
            both = self._forward(
                {
                    n: np.concatenate([np.where(mask, other[n], p), np.where(mask, p, other[n])],
                                      axis=1)
                    for n, p in params.items()
                }
            )
            expected = np.concatenate(
                [np.where(mask, out_other, out0), np.where(mask, out0, out_other)], axis=1
            )
            if not same_outputs(both, expected, float(np.finfo(np.float64).eps)):
                return False
        except (UserCodeError, ProtocolError, NotStackableError, ValueError):
            return False
        self.out0 = out0
        return True

    def width(self) -> int:
        """Elements one stacked copy moves at once: the output's number of columns."""
        return 1 if self.out0 is None else int(self.out0.shape[1])

    def _forward(self, replaced: dict[str, np.ndarray]) -> np.ndarray:
        """The output with some parameters temporarily replaced, as float64 2-D."""
        subject = self.subject
        with subject.replaced(replaced):
            out = np.asarray(subject.forward(self.x.copy()), dtype=np.float64)
        if out.ndim != 2 or out.shape[0] != self.x.shape[0]:
            raise NotStackableError(f"stacked output of shape {out.shape}")
        return out

    # -- the evaluator ----------------------------------------------------------------
    def evaluators(self, name: str) -> tuple[Any, Any]:
        """``(at, base)`` for :func:`gradcheck.engine.numerics.compare` on parameter ``name``.

        Values are changes of the objective from the unperturbed point (base: 0), with the
        rounding scale of the one output column each element moves.
        """
        subject = self.subject
        assert self.out0 is not None
        out0, dv = self.out0, subject.dvalues
        assert dv is not None  # stacking is probed for layers only, their dvalues drawn
        m = out0.shape[1]
        column_scale = np.abs(dv * out0).sum(axis=0)
        # plus the rounding scale of each column's parameters: sum |param * gradient|
        for gradient, cond in self._condition.items():
            if gradient != "dinputs" and cond.shape[1:] == (m,):
                column_scale = column_scale + cond.sum(axis=0)
        value = subject.params[name]
        l1, l2 = subject.reg.get(name, (0.0, 0.0))

        def base(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            flat = value.reshape(-1)[idx]
            reg = l1 * np.abs(flat) + l2 * flat * flat
            return np.zeros(idx.size), column_scale[idx % m] + reg

        def at(idx: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            values, scales = np.empty(idx.size), np.empty(idx.size)
            cols = idx % m
            copy = _rank_within(cols)  # which side-by-side copy carries each element
            per_call = copies_per_call(sum(p.size for p in subject.params.values()), out0.size)
            for lo in range(0, int(copy.max()) + 1, per_call):
                part = np.flatnonzero((copy >= lo) & (copy < lo + per_call))
                values[part], scales[part] = self._stacked(
                    name, idx[part], deltas[part], copy[part] - lo, dv
                )
            flat = value.reshape(-1)[idx]
            moved = flat + deltas
            values += l1 * (np.abs(moved) - np.abs(flat)) + l2 * (moved * moved - flat * flat)
            return values, scales

        return at, base

    def _stacked(
        self,
        name: str,
        idx: np.ndarray,
        deltas: np.ndarray,
        copy: np.ndarray,
        dv: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        assert self.out0 is not None
        params, out0 = self.subject.params, self.out0
        n, m = out0.shape
        k = int(copy.max()) + 1
        tiled = {p: np.tile(v, (1, k)) for p, v in params.items()}
        rows, cols = np.divmod(idx, m)
        target = tiled[name]
        target[rows, copy * m + cols] += deltas
        out = self._forward(tiled)
        if out.shape != (n, k * m):
            raise NotStackableError(f"stacked output of shape {out.shape}, expected {(n, k * m)}")
        blocks = out.reshape(n, k, m)
        # each column's objective change, for every copy: (copies, columns)
        change = np.einsum("nkm,nm->km", blocks - out0[:, None, :], dv)
        scale = np.einsum("nkm,nm->km", np.abs(blocks), np.abs(dv))
        return change[copy, cols], scale[copy, cols]


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """For each entry, how many earlier entries share its group (0, 1, 2, ...)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, sorted_groups.size]))
    rank = np.empty(groups.size, dtype=np.intp)
    rank[order] = np.arange(groups.size) - first
    return rank
