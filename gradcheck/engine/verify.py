"""Numeric verification of the gradients an analytic pass produced.

Picks, per gradient, how to evaluate the objective cheaply (stacked rows for
row-independent maps, one element per call otherwise, random projections in fast mode),
finds out the precision the object really computes in, and turns the per-element
comparisons of :mod:`gradcheck.engine.numerics` into :class:`GradientResult` objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from gradcheck.engine import numerics as nm
from gradcheck.engine.budget import locate_calls, rows_per_call
from gradcheck.engine.columns import Columns
from gradcheck.engine.diagnose import diagnose, shape_problem
from gradcheck.engine.joint import joint_kinks
from gradcheck.engine.state import generator, uniform_signed
from gradcheck.errors import NotStackableError, ProtocolError, UserCodeError
from gradcheck.protocol.observe import Update
from gradcheck.protocol.subject import LayerSubject, Subject
from gradcheck.report import (
    FAILED,
    INCONCLUSIVE,
    PASSED,
    Elements,
    GradientResult,
    Report,
)

__all__ = [
    "ELEMENTS_KEPT",
    "FAST_DIRECTIONS",
    "LOCATE_LIMIT",
    "SAMPLED_COORDINATES",
    "Verification",
]

SAMPLED_COORDINATES = 2048  # elements sampled to locate an error in a huge input batch
LOCATE_LIMIT = 50_000  # input batches larger than this are located by sampling in fast mode
FAST_DIRECTIONS = 2  # random directions per gradient in fast mode
ELEMENTS_KEPT = 65_536  # per-element verdict data kept on the result (for plots) up to this


@dataclass(frozen=True)
class Context:
    """Everything a :class:`Verification` reads from the run that built it.

    Every run (an object's, a function pair's, a network's) builds one.

    Attributes
    ----------
    report : Report
        Where the results go (the mode is read from it).
    x : ndarray
        The input batch (the rows stacked and probed); a run without input gradient
        passes the array its stacking probes may use.
    y : ndarray or None
        Labels (losses), else None.
    rng : Generator
        The verification's draws (directions, sampled coordinates).
    eps : float
        The machine epsilon of the object's output dtype.
    step : float or None
        The caller's finite-difference step (None: chosen per gradient).
    input_gradient : str or None
        The name of the input gradient checked (``dinputs``, ``dx``); None when there is
        none (integer ids, functions and networks, whose arguments are parameters).
    seed : int
        Seeds the probes' own generators (leaving ``rng``'s draws as they are).
    probe : bool
        Whether the float32 probe may run (a network: only for a parameter on which
        the step ladder found no linear piece).
    central : bool
        Whether parameters are compared with a central difference from the first level
        on (a network: its loss is curved in every parameter). Otherwise a parameter's
        first level is one-sided, one forward call per element, exact for the maps
        layers are in their parameters (linear) and cheap; on a curved loss its
        truncation (``s f'' / 2``), which its tolerance does not count, passes elements
        at up to their whole tolerance and sends the rest to be refined.
    """

    report: Report
    x: np.ndarray
    y: np.ndarray | None
    rng: np.random.Generator
    eps: float
    step: float | None
    input_gradient: str | None
    seed: int = 0
    probe: bool = True
    central: bool = False


class Verification:
    """Compares the gradients of one analytic pass with finite differences.

    Parameters
    ----------
    context : Context
        What the run knows: report, data, options, precision.
    subject : Subject
        The object under check.
    """

    def __init__(self, context: Context, subject: Subject) -> None:
        self.subject = subject
        self.report = context.report
        self.x = context.x
        self.y = context.y
        self.rng = context.rng
        self.eps = context.eps
        self.step = context.step
        self.input_gradient = context.input_gradient
        self.seed = context.seed
        self.probe = context.probe
        self.central = context.central
        # working state, filled as the verification goes
        self._condition: dict[str, np.ndarray] = {}
        self._projection_failures: dict[str, GradientResult] = {}
        self._kinks_apart: np.ndarray | None = None
        self._base: tuple[np.ndarray | None] | None = None
        self._rows_ok: bool | None = None
        self._columns: Columns | None = None

    def _stacked(self) -> Columns:
        """The stacked-columns evaluator, made in :meth:`run` before any check."""
        assert self._columns is not None
        return self._columns

    def rows_independent(self) -> bool:
        """Whether the input batch may be stacked row by row (probed once, cached)."""
        return self._row_independent(self.subject)

    def columns_usable(self) -> bool:
        """Whether parameters may be stacked along the output's columns (a probe).

        Uses its own generator, so that probing for the automatic mode leaves the draws
        of the verification itself as they are.
        """
        probe = Columns(self.subject, self.x, generator(self.seed),
                        lambda: self._base_rows(self.subject), {})
        return probe.usable()

    def run(self, grads: dict[str, np.ndarray], objective: tuple[float, float]) -> None:
        """Judge every gradient in ``grads``; append the results to the report."""
        subject, report, x = self.subject, self.report, self.x
        variables: dict[str, tuple[np.ndarray, str | None]] = {}
        if self.input_gradient is not None:
            variables[self.input_gradient] = (x, None)
        for label, parameter in subject.parameters.items():
            variables[parameter.gradient_label] = (parameter.value, label)
        mode = report.mode

        checks: dict[str, _Variable] = {}
        for name, (var, param) in variables.items():
            grad = grads.get(name)
            if grad is None:
                continue  # reported as missing
            invalid = self._validate_grad(name, grad, var)
            if invalid is not None:
                report.gradients.append(invalid)
                continue
            floor = subject.input_step_floor if param is None else 1.0
            eps_a = max(self.eps, float(np.finfo(grad.dtype).eps))
            # plain ndarray views: np.matrix parameters multiply as matrices
            checks[name] = _Variable(
                name, np.asarray(var), np.asarray(grad, np.float64), param, floor, self.eps,
                eps_a,
            )
            where = subject.parameters[param].gradient if param is not None else None
            if isinstance(where, Update) and np.size(var):
                # read as (before - after) / rate: the subtraction rounds at eps |p| / rate
                checks[name].update_floor = (nm.C_ANALYTIC * eps_a
                                             * float(np.max(np.abs(var))) / where.rate)

        f0, f_scale = objective
        # The objective cannot be computed more accurately than the rounding of its
        # arguments allows: eps * sum |value * gradient| over every variable. Under
        # cancellation (outputs much smaller than the terms that sum to them) this is far
        # above eps * sum |dvalues * output|, and a step's effect can drown in it.
        self._condition = {v.name: np.abs(v.value * v.grad) for v in checks.values()}
        f_scale += sum(float(c.sum()) for c in self._condition.values())
        self._columns = Columns(
            subject, x, self.rng, lambda: self._base_rows(subject), self._condition
        )
        done = self._verify(subject, checks, f0, f_scale, mode)
        # Only a gradient that did not pass can be a float32 object judged by float64
        # tolerances: find out, and judge it again if so.
        doubtful = [v for name, v in checks.items() if done[name].status != PASSED]
        for v in self._probe_precision(subject, doubtful, f0):
            self._projection_failures.pop(v.name, None)
            done.update(self._verify(subject, {v.name: v}, f0, f_scale, mode))
        if checks:
            self.report.step = self.step or nm.default_step(max(v.eps for v in checks.values()))
        report.gradients.extend(done.values())
        order = {n: i for i, n in enumerate(variables)}
        report.gradients.sort(key=lambda g: order.get(g.name, len(order)))
        kinks = sum(g.kinks for g in report.gradients)
        if kinks:
            report.notes.append(
                f"{kinks} element(s) at a kink (non-differentiable point): the analytic value "
                "lies between the one-sided derivatives, accepted as a subgradient"
            )

    def _verify(
        self,
        subject: Subject,
        checks: dict[str, _Variable],
        f0: float,
        f_scale: float,
        mode: str,
    ) -> dict[str, GradientResult]:
        """Judge each gradient: projections first in fast mode, elements where needed."""
        done: dict[str, GradientResult] = {}
        if mode == "fast" and checks:
            self._kinks_apart = self._exact_zeros(checks.get(self.input_gradient or ""))
            done = self._project(subject, list(checks.values()), f0, f_scale)
            name = self.input_gradient
            if name in done and self._kinks_apart is not None:
                done[name] = self._with_zeros_compared(
                    subject, checks[name], done[name], f0, f_scale
                )
            if len(done) < len(checks):
                note = (
                    "fast mode: a random projection disagreed or met a kink; "
                    "compared element by element to decide and locate"
                )
                if note not in self.report.notes:
                    self.report.notes.append(note)
        for name, v in checks.items():
            if name not in done:
                done[name] = self._elementwise(subject, v, f0, f_scale, mode)
        return done

    def _exact_zeros(self, v: _Variable | None) -> np.ndarray | None:
        """Fast mode: input elements exactly 0, compared one by one instead of projected.

        Exact zeros are where ReLU-like maps have their kink; one of them in a projection
        makes the whole projection a kink, and everything would be compared element by
        element. Only a few are set apart (at most a quarter of the inputs).
        """
        if v is None:
            return None
        zeros = (v.value.reshape(-1) == 0).nonzero()[0]
        if zeros.size == 0 or zeros.size > v.value.size // 4:
            return None
        return zeros

    def _with_zeros_compared(
        self, subject: Subject, v: _Variable, projected: GradientResult, f0: float,
        f_scale: float,
    ) -> GradientResult:
        """Join a passed projection of ``v`` with the element-wise check of its zeros."""
        zeros = self._kinks_apart
        assert zeros is not None  # set apart before the projection that this joins
        at_zeros = self._elementwise(subject, v, f0, f_scale, "fast", index=zeros,
                                     counts_only=True, at_kinks=True)
        if at_zeros.status != PASSED:
            return at_zeros
        projected.kinks = at_zeros.kinks
        projected.checked += at_zeros.checked
        projected.method += f" + {zeros.size} zero element(s) compared one by one"
        return projected

    def _probe_precision(
        self, subject: Subject, variables: list[_Variable], f0: float
    ) -> list[_Variable]:
        """Find variables along which the objective is only float32-accurate.

        Float32 arithmetic inside forward (``nnfs.init()``'s ``np.dot``, a cast) does not
        always show in the output's dtype. Along a random direction, difference quotients
        at steps 1e-9 and 1e-8 agree closely in float64 and are noise in float32.
        """
        if not self.probe:
            return []
        if self.eps > 1e-10 or not variables or not nm.float32_evidence(
            subject.forward(self.x.copy()), self.report.notes
        ):
            return []

        def noisy(group: list[_Variable]) -> bool:
            dirs = {
                v.name: self.rng.standard_normal(v.value.shape)
                * np.maximum(v.floor, np.abs(v.value))
                * nm.away_from_edges(v.value, v.floor)
                for v in group
            }
            def quotient(delta: float) -> float:
                x, params = self.x, dict[str, np.ndarray]()
                for v in group:
                    x = v.moved(x, params, delta, dirs[v.name])
                return float((subject.total_with(x, params)[0] - f0) / delta)

            def apart(a: float, b: float) -> bool:
                return bool(abs(a - b) > 1e-2 * max(abs(a), abs(b)) or not np.isfinite(a - b))

            d1, d2 = quotient(1e-9), quotient(1e-8)
            if apart(d1, d2):
                return True
            # steps below float32's resolution that round away (a forward casting its
            # input to float32) leave the objective exactly unchanged, where a step
            # float32 can hold moves it
            if d1 == 0.0 and d2 == 0.0 and quotient(1e-5) != 0.0:
                return True
            return any(rounds_away(v) for v in group)

        def rounds_away(v: _Variable) -> bool:
            # where only the smallest elements' tiny steps survive float32's rounding, or
            # the elements are 0 (where float32 holds any step), the quotients agree: a
            # relative step of 1e-9 of an element, which a float64 objective that moves at
            # 1e-5 feels, leaves a float32 input's objective exactly unchanged
            point = np.array(v.value, dtype=np.float64)
            if not point.size:
                return False
            if np.abs(point).max() < 1e-4 * v.floor:  # at 0: probe beside it
                point = point + 0.5 * v.floor
            weight = np.abs(v.grad) * np.abs(point)
            if not np.isfinite(weight).all() or weight.max() == 0:
                return False
            at = int(np.argmax(weight))

            def total(relative: float) -> float:
                moved = point.copy()
                moved.flat[at] *= 1.0 + relative
                params: dict[str, np.ndarray] = {}
                x = self.x if v.param is not None else moved
                if v.param is not None:
                    params[v.param] = moved
                return float(subject.total_with(x, params)[0])

            base = total(0.0)
            return bool(total(1e-9) == base and total(1e-5) != base and np.isfinite(base))

        if not noisy(variables):
            return []
        low = [v for v in variables if len(variables) == 1 or noisy([v])]
        for v in low:
            v.eps = max(v.eps, float(np.finfo(np.float32).eps))
            v.eps_analytic = max(v.eps_analytic, v.eps)
        if low:
            self.report.dtype = "float32"
            names = ", ".join(v.param or "inputs" for v in low)
            self.report.notes.append(
                f"the objective is only float32-accurate in {names} (float32 arithmetic inside "
                f"forward, e.g. nnfs.init()'s np.dot): steps and tolerances follow float32"
            )
        return low

    def _validate_grad(self, name: str, grad: Any, var: np.ndarray) -> GradientResult | None:
        if not isinstance(grad, np.ndarray):
            grad = np.asarray(grad)
        if grad.dtype.kind not in "f":
            return GradientResult(
                name,
                FAILED,
                diagnosis=f"has dtype {grad.dtype}; a gradient must be floating point "
                "(an integer array truncates, e.g. zeros_like of integer inputs)",
            )
        if grad.shape != var.shape:
            return GradientResult(
                name, FAILED, diagnosis=shape_problem(name, grad.shape, var.shape)
            )
        if not np.isfinite(grad).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(grad))[0])
            return GradientResult(
                name,
                FAILED,
                index=bad,
                diagnosis=f"not finite (first at index {bad}) although the inputs are finite",
            )
        return None

    def _base_rows(self, subject: Subject) -> np.ndarray | None:
        """The unperturbed rows (layer outputs or per-sample losses), computed once."""
        if self._base is None:
            self._base = (self._row_outputs(subject, self.x, self.y),)
        return self._base[0]

    def _row_independent(self, subject: Subject) -> bool:
        """Verify that row i of the output depends on row i of the input alone (once)."""
        if self._rows_ok is None:
            self._rows_ok = self._probe_rows(subject)
        return self._rows_ok

    def _probe_rows(self, subject: Subject) -> bool:
        if not self._rows_agree(subject, self.x, self._base_rows(subject)):
            return False
        biggest = float(np.max(np.abs(self.x))) if self.x.size else 0.0
        if subject.free_inputs and np.isfinite(biggest) and biggest > _SATURATING:
            # at large inputs a saturating map (tanh of -1000) forgets what came before a
            # row, and a sequence's steps look independent: probed again at moderate ones
            moderate = self.x / biggest
            return self._rows_agree(subject, moderate,
                                    self._row_outputs(subject, moderate, self.y))
        return True

    def _rows_agree(self, subject: Subject, x: np.ndarray, base: np.ndarray | None) -> bool:
        """Whether rows stacked with others come out as ``x`` alone gave ``base``."""
        y = self.y
        n = x.shape[0]
        if base is None:
            return False
        # the batch between two copies of itself, other rows in the middle: each copy must
        # come out as the batch alone does, wherever it sits and whatever the batch size.
        # The second copy is in reverse order: a layer over a sequence (rows as time steps)
        # whose state saturates (tanh of -1000) forgets what came before a copy, but not
        # the order of the copy's own rows
        stacked = np.empty((3 * n, *x.shape[1:]), dtype=x.dtype)
        rows, flat = stacked.reshape(3 * n, -1), x.reshape(n, -1)
        rows[:n] = flat
        rows[2 * n :] = flat[::-1]
        _shifted(flat, rows[n : 2 * n])
        if subject.free_inputs:
            middle = rows[n : 2 * n]
            middle *= -0.75
            middle += 0.125
        ys = None if y is None else np.concatenate([y, y[-1:], y[:-1], y[::-1]])
        got = self._row_outputs(subject, stacked, ys, own=True)
        if got is None:
            return False
        if got.shape[0] != 3 * n:
            return False
        blocks = got.reshape(3, n, -1)
        return nm.same_outputs(blocks[0], base, self.eps) \
            and nm.same_outputs(blocks[2][::-1], base, self.eps)

    def _row_outputs(
        self, subject: Subject, x: np.ndarray, y: np.ndarray | None, own: bool = False
    ) -> np.ndarray | None:
        """Per-row values at ``x``; ``own``: ``x`` was built here (no copy protects it)."""
        try:
            out: np.ndarray | None
            if own and subject.takes_upstream_gradient:  # forward's output: the rows
                out = np.asarray(subject.forward(x), float)
            else:
                out = subject.row_values(x, y)
        except (UserCodeError, ProtocolError):
            return None
        if out is None:
            return None
        if out.ndim == 0 or out.shape[0] != x.shape[0]:
            return None
        return out.reshape(x.shape[0], -1)

    def _same(self, a: np.ndarray, b: np.ndarray) -> bool:
        return nm.same_outputs(a, b, self.eps)

    def _elementwise(
        self,
        subject: Subject,
        v: _Variable,
        f0: float,
        f_scale: float,
        mode: str,
        index: np.ndarray | None = None,
        counts_only: bool = False,
        at_kinks: bool = False,
    ) -> GradientResult:
        """Compare every element (or, for a huge array in fast mode, a sample).

        ``index`` restricts the comparison to those flat indices. ``counts_only``: when
        every element passes, only ``kinks`` and ``checked`` of the result are filled (the
        caller keeps another result and needs no more). ``at_kinks``: the elements are
        expected at kinks (see :func:`gradcheck.engine.numerics.compare`).
        """
        rowwise = v.param is None and not subject.pin.draws and subject.per_row
        if rowwise:
            rowwise = self._row_independent(subject)
            if not rowwise:
                self.report.notes.append(
                    "rows are not independent (batch statistics, random draws or a batch-size "
                    "dependence): inputs perturbed one evaluation at a time"
                )
        method = "elementwise"
        if mode == "fast" and index is None:
            # locate within a budget: stacked rows are cheap, one call per element is not
            calls = locate_calls(subject, self.x)
            if rowwise:
                budget, sample = LOCATE_LIMIT, SAMPLED_COORDINATES
            elif v.param is not None and self._stacked().usable():
                # a stacked call with k copies costs about k forward calls and moves
                # k elements in each of the output's columns
                budget = sample = calls * self._stacked().width()
            else:
                budget, sample = calls, min(calls, SAMPLED_COORDINATES)
            if v.value.size > budget:
                index = self._sample_index(v.grad, sample)
                method = "sampled"
        at_scaled = None  # the row evaluators return their scales themselves
        if rowwise:
            at, base = self._row_evaluators(subject)
        else:
            if v.param is None:
                at = _loop_at(v.value, subject.total)
                at_scaled = _loop_at(v.value, subject.total, scales=True)
            else:
                at = subject.param_evaluator(v.param, v.value, self.x)
                at_scaled = subject.param_evaluator(v.param, v.value, self.x, scales=True)
            base = _constant(f0, f_scale)
        step = self.step or nm.default_step(v.eps)
        evaluate = nm.Evaluators(
            at, base, at_scaled=at_scaled,
            **joint_kinks(subject, v, self.x, rowwise, self.rows_independent),
        )
        steps = nm.Steps(step, v.floor,
                         one_sided=None if v.param is None or self.central else step)
        precision = nm.Precision(v.eps, v.eps_analytic,
                                 abs_floor=self._abs_floor(subject) + v.update_floor)
        cmp = None
        if v.param is not None and self._stacked().usable():
            cmp = self._screened(v, evaluate, steps, precision, index)
        if cmp is None:
            # (Steps built anew rather than dataclasses.replace'd: the same, at less cost)
            cmp = nm.compare(v.value, v.grad, evaluate,
                             nm.Steps(steps.step, steps.floor, steps.one_sided, at_kinks)
                             if at_kinks else steps, precision, index=index)
        if counts_only:
            counts = np.bincount(cmp.verdict, minlength=4)
            if not counts[nm.WRONG] and not counts[nm.UNSURE]:
                return GradientResult(v.name, PASSED, kinks=int(counts[nm.KINK]),
                                      checked=int(cmp.index.size), method=method)
        result = self._result(v, cmp, method)
        projected = self._projection_failures.get(v.name)
        if method == "sampled" and projected is not None and result.status == PASSED:
            projected.diagnosis = (
                f"a random projection disagrees, but none of the {result.checked} sampled "
                "elements is wrong: the error sits in elements not sampled; "
                "mode='exhaustive' locates it"
            )
            return projected
        return result

    def _screened(
        self,
        v: _Variable,
        evaluate: nm.Evaluators,
        steps: nm.Steps,
        precision: nm.Precision,
        index: np.ndarray | None,
    ) -> nm.Comparison | None:
        """Parameters: all elements screened by stacked columns, suspects one by one.

        Returns None when the stacked evaluation turns out unusable.
        """
        assert v.param is not None  # called for parameters only
        col_at, col_base = self._stacked().evaluators(v.param)
        try:
            screen = nm.compare(v.value, v.grad, replace(evaluate, at=col_at, base=col_base),
                                steps, precision, index=index)
        except NotStackableError:
            return None
        suspects = np.flatnonzero(screen.verdict != nm.PASS)
        if suspects.size == 0:
            return screen
        # judged again exactly as without stacking, with the same analytic rounding scale
        finite = np.isfinite(screen.numeric)
        scale = max(
            float(np.max(np.abs(screen.analytic))) if screen.analytic.size else 0.0,
            float(np.max(np.abs(screen.numeric[finite]))) if finite.any() else 0.0,
        )
        again = nm.compare(v.value, v.grad, evaluate, steps,
                           replace(precision, alpha_scale=scale), index=screen.index[suspects])
        screen.update(suspects, again)
        return screen

    def _row_condition(self, rows: np.ndarray | None = None) -> np.ndarray | float:
        """Per row (of ``rows``), ``sum |x * dinputs|``: the rounding scale of its inputs."""
        cond = self._condition.get("dinputs")
        if cond is None:
            return 0.0
        cond = cond.reshape(cond.shape[0], -1)
        return (cond if rows is None else cond[rows]).sum(axis=1)

    def _abs_floor(self, subject: Subject) -> float:
        """Losses: clipping at 1e-7 moves the gradient of a mean by up to 1e-7 / samples."""
        return nm.CLIP_FLOOR / self.x.shape[0] if subject.clips else 0.0

    def _row_evaluators(self, subject: Subject) -> tuple[nm.EvalAt, nm.EvalBase]:
        """Stacked rows, one perturbed element each.

        Layers: each row's value is returned as its change from the unperturbed row,
        ``sum(dvalues * (out - out0))``, taken element by element before summing, with a
        rounding scale that counts only the outputs that changed. For an elementwise map
        (ReLU, sigmoid) the other outputs do not move at all, so the jump of a kink under
        a tiny ``dvalue`` next to large ones is still seen.
        """
        shape = self.x.shape
        x = self.x.reshape(shape[0], -1)
        n_cols = x.shape[1]
        rows0 = self._base_rows(subject)
        assert rows0 is not None  # only called once the rows were found independent

        def unflat(rows: np.ndarray) -> np.ndarray:
            return rows.reshape(rows.shape[0], *shape[1:])

        if subject.takes_upstream_gradient:
            # a layer (the only subject given an upstream gradient), its dvalues drawn
            assert isinstance(subject, LayerSubject) and subject.dvalues is not None
            layer, dvalues, out0 = subject, subject.dvalues, rows0
            every_row: list[np.ndarray] = []

            def row_scale(rows: np.ndarray) -> np.ndarray:
                # sum |dvalues * out0| + sum |x * dinputs| per row: the same sums of only
                # the rows asked for, while fewer than all are
                if not every_row and rows.size < x.shape[0]:
                    return (np.abs(dvalues[rows] * out0[rows]).sum(axis=1)
                            + self._row_condition(rows))
                if not every_row:
                    every_row.append(np.abs(dvalues * out0).sum(axis=1)
                                     + self._row_condition())
                return every_row[0][rows]

            def base(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                # the values are changes from here (0); the tolerance keeps the whole
                # row's scale, which also bounds the analytic side's rounding
                return np.zeros(idx.size), row_scale(idx // n_cols)

            # (gather's result is rows_of's first argument: Any, since the loss branch
            # gathers the row indices alone)
            def gather(rows: np.ndarray) -> Any:
                return dvalues[rows], out0[rows]

            def rows_of(gathered: Any, stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                dv, out0_rows = gathered
                out = layer.row_outputs(unflat(stacked))
                moved = out - out0_rows
                scale = np.abs(dv * out) * (moved != 0)
                return (dv * moved).sum(axis=1), scale.sum(axis=1)

            def whole_batch(deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                # every element in order: copy j of row i perturbs x[i, j]; the same sums
                # as rows_of, without gathering dvalues and out0 row by row
                n = x.shape[0]
                stacked = np.repeat(x, n_cols, axis=0)
                stacked[np.arange(x.size), np.tile(np.arange(n_cols), n)] += deltas
                out = layer.row_outputs(unflat(stacked)).reshape(n, n_cols, -1)
                moved = out - out0[:, None, :]
                dv = dvalues
                values = np.einsum("nfm,nm->nf", moved, dv).reshape(-1)
                scales = np.einsum("nfm,nm->nf", np.abs(out) * (moved != 0), np.abs(dv))
                return values, scales.reshape(-1)
        else:
            v0 = rows0[:, 0] / subject.n_samples
            s0 = np.abs(v0) + self._row_condition()

            def base(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return v0[idx // n_cols], s0[idx // n_cols]

            def gather(rows: np.ndarray) -> Any:
                return rows

            def rows_of(gathered: Any, stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return subject.rows(gathered, unflat(stacked))

        chunk = rows_per_call(n_cols, rows0.shape[1], x.size)
        # compare() evaluates the same indices at several steps (+-s, +-s/2, ...): what
        # depends on the indices alone is gathered once per set of indices
        last: list[Any] = []

        def prepared(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
            # the rows of idx (gathered anew: an array to perturb), where each perturbed
            # element sits in them (flat positions), and what rows_of needs
            if not (last and last[0].shape == idx.shape and (last[0] == idx).all()):
                rows, cols = np.divmod(idx, n_cols)
                last[:] = [idx.copy(), (rows, np.arange(rows.size) * n_cols + cols,
                                        gather(rows))]
            rows, positions, gathered = last[1]
            return x[rows], positions, gathered

        def at(idx: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            if subject.takes_upstream_gradient and idx.size == x.size <= chunk and _in_order(idx):
                return whole_batch(deltas)
            if idx.size <= chunk:
                stacked, positions, gathered = prepared(idx)
                stacked.reshape(-1)[positions] += deltas
                return rows_of(gathered, stacked)
            values, scales = np.empty(idx.size), np.empty(idx.size)
            for lo in range(0, idx.size, chunk):
                part = slice(lo, lo + chunk)
                rows, cols = np.divmod(idx[part], n_cols)
                stacked = x[rows]  # (an array of its own)
                stacked[np.arange(rows.size), cols] += deltas[part]
                values[part], scales[part] = rows_of(gather(rows), stacked)
            return values, scales

        return at, base

    def _project(
        self,
        subject: Subject,
        variables: list[_Variable],
        f0: float,
        f_scale: float,
    ) -> dict[str, GradientResult]:
        """Random-direction checks, all gradients jointly, then one by one if that fails.

        Returns the gradients verified this way; the others need element-wise checks.
        """
        verdict = self._project_set(subject, variables, f0, f_scale)
        if verdict is not None:
            return {v.name: verdict(v) for v in variables}
        passed = {}
        for v in variables:
            single = self._project_set(subject, [v], f0, f_scale) if len(variables) > 1 else None
            if single is not None:
                passed[v.name] = single(v)
        return passed

    def _project_set(
        self,
        subject: Subject,
        variables: list[_Variable],
        f0: float,
        f_scale: float,
    ) -> Callable[[_Variable], GradientResult] | None:
        k = FAST_DIRECTIONS
        # uniform on [-1, 1]: as continuous as a normal draw (an error cancels with
        # probability zero) at a fifth of its cost, which mattered for fast mode's time
        dirs = {}
        for v in variables:
            dirs[v.name] = uniform_signed(self.rng, (k, *v.value.shape))
            size = np.maximum(np.abs(v.value), v.floor)
            for direction in dirs[v.name]:  # (one direction at a time: no broadcasting)
                direction *= size
        apart = self._kinks_apart
        if "dinputs" in dirs and apart is not None:
            dirs["dinputs"].reshape(k, -1)[:, apart] = 0.0
        # (the sums start at zeros(k): the same values as sum()'s 0, typed as arrays)
        analytic = sum((_contract(dirs[v.name], v.grad) for v in variables), np.zeros(k))
        alpha_scale = sum(
            (_contract(np.abs(dirs[v.name]), np.abs(v.grad)) for v in variables), np.zeros(k))
        abs_floor: float | np.ndarray = self._abs_floor(subject)
        if abs_floor:
            abs_floor = abs_floor * sum(
                (np.abs(dirs[v.name]).reshape(k, -1).sum(axis=1) for v in variables),
                np.zeros(k))

        def at(idx: np.ndarray, deltas: np.ndarray) -> np.ndarray:
            values = np.empty(idx.size)
            for j, (i, d) in enumerate(zip(idx, deltas, strict=True)):
                x = self.x
                params: dict[str, np.ndarray] = {}
                for v in variables:
                    moved = v.value + d * dirs[v.name][i]
                    if v.param is None:
                        x = moved
                    else:
                        params[v.param] = moved
                values[j] = (subject.total_with(x, params) if params else subject.total(x))[0]
            return values

        eps = max(v.eps for v in variables)
        cmp = nm.compare(
            np.zeros(k),
            analytic,
            nm.Evaluators(at, _constant(f0, f_scale)),
            nm.Steps(self.step or nm.default_step(eps), 1.0),
            nm.Precision(eps, max(v.eps_analytic for v in variables), alpha_scale=alpha_scale,
                         abs_floor=abs_floor),
        )
        w = cmp.worst()
        if (cmp.verdict != nm.PASS).any():
            if len(variables) == 1 and (cmp.verdict == nm.WRONG).any():
                self._projection_failures[variables[0].name] = GradientResult(
                    variables[0].name,
                    FAILED,
                    error=float(cmp.error[w]),
                    tolerance=float(cmp.tolerance[w]),
                    analytic=float(cmp.analytic[w]),
                    numeric=float(cmp.numeric[w]),
                    checked=k,
                    method="projection",
                    tolerance_parts=cmp.tolerance_parts(w),
                )
            return None
        resolution = _middle(cmp.tolerance) / max(float(np.abs(cmp.analytic).max()), 1e-300)
        error, tolerance = float(cmp.error[w]), float(cmp.tolerance[w])
        worst_analytic, worst_numeric = float(cmp.analytic[w]), float(cmp.numeric[w])
        parts = cmp.tolerance_parts(w)

        def result(v: _Variable) -> GradientResult:
            return GradientResult(
                v.name,
                PASSED,
                error=error,
                tolerance=tolerance,
                analytic=worst_analytic,
                numeric=worst_numeric,
                checked=k,
                method="projection" if len(variables) == 1 else "joint projection",
                resolution=resolution,
                tolerance_parts=parts,
            )

        return result

    def _sample_index(self, grad: np.ndarray, budget: int) -> np.ndarray:
        """Coordinates to compare in a huge array: random ones and the largest entries."""
        size = grad.size
        picks = self.rng.choice(size, size=min(size, budget), replace=False)
        top = np.argsort(-np.abs(grad.ravel()))[: budget // 8]
        return np.unique(np.concatenate([picks, top]))

    def _result(self, v: _Variable, cmp: nm.Comparison, method: str) -> GradientResult:
        grad = v.grad
        counts = np.bincount(cmp.verdict, minlength=4)
        wrong = cmp.verdict == nm.WRONG if counts[nm.WRONG] else None
        status = (FAILED if counts[nm.WRONG]
                  else INCONCLUSIVE if counts[nm.UNSURE] else PASSED)
        w = cmp.worst()
        g = max(float(np.abs(grad).max()) if grad.size else 0.0, 1e-300)
        analytic, worst = float(cmp.analytic[w]), float(cmp.numeric[w])
        error = abs(analytic - worst)
        result = GradientResult(
            v.name,
            status,
            error=error if np.isfinite(error) else float("inf"),
            tolerance=float(cmp.tolerance[w]),
            index=tuple(int(i) for i in np.unravel_index(int(cmp.index[w]), grad.shape)),
            analytic=analytic,
            numeric=worst,
            kinks=int(counts[nm.KINK]),
            inconclusive=int(counts[nm.UNSURE]),
            failed=int(counts[nm.WRONG]),
            checked=int(cmp.index.size),
            method=method,
            resolution=_middle(cmp.tolerance) / g,
            tolerance_parts=cmp.tolerance_parts(w),
        )
        numeric = np.full(grad.size, np.nan)
        numeric[cmp.index] = cmp.numeric
        if grad.size <= ELEMENTS_KEPT:
            verdicts = np.full(grad.size, nm.NOT_COMPARED, dtype=np.int8)
            verdicts[cmp.index] = cmp.verdict
            result.elements = Elements(grad, numeric.reshape(grad.shape),
                                       verdicts.reshape(grad.shape))
        if status != PASSED and cmp.reasons:
            result.diagnosis = "; ".join(cmp.reasons)
        if status == FAILED:
            wrong_full = np.zeros(grad.size, bool)
            wrong_full[cmp.index] = wrong
            result.diagnosis = diagnose(
                grad,
                numeric.reshape(grad.shape),
                wrong_full.reshape(grad.shape),
                batch=self.x.shape[0],
                param=None if v.param is None else v.value,
                **nm.diagnosis_context(v.name, v.value, cmp),
            ) or result.diagnosis
        return result


#: inputs above this magnitude are probed for independent rows at moderate ones too
_SATURATING = 10.0


class _Variable:
    """One thing to differentiate by: the inputs or a parameter, with its gradient."""

    def __init__(
        self,
        name: str,
        value: np.ndarray,
        grad: np.ndarray,
        param: str | None,
        floor: float,
        eps: float,
        eps_analytic: float,
    ) -> None:
        self.name, self.value, self.grad, self.param, self.floor = name, value, grad, param, floor
        self.eps, self.eps_analytic = eps, eps_analytic
        #: a gradient read from an update: the rounding of (before - after) / rate
        self.update_floor = 0.0

    def moved(
        self, x: np.ndarray, params: dict[str, np.ndarray], delta: float, direction: np.ndarray
    ) -> np.ndarray:
        """Add ``delta * direction`` to this variable inside ``(x, params)``."""
        point = self.value + delta * direction
        if self.param is None:
            return point
        params[self.param] = point
        return x


def _middle(values: np.ndarray) -> float:
    """The median, without np.median's overhead on small arrays."""
    return float(np.sort(values, axis=None)[values.size // 2])


def _contract(directions: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """``np.tensordot(directions, grad, axes=grad.ndim)``: the same product, less overhead.

    ``directions`` has shape ``(k, *grad.shape)``; the same matrix product as tensordot's
    (``(k, n) @ (n, 1)``), so the same rounding.
    """
    k = directions.shape[0]
    return np.dot(directions.reshape(k, -1), grad.reshape(-1, 1)).reshape(k)


def _shifted(rows: np.ndarray, out: np.ndarray) -> None:
    """Into ``out``: ``rows`` moved down by one and each row's values rotated by one.

    (``np.roll`` by one along both axes; a row of a single value is halved instead.)
    """
    if rows.shape[1] > 1:
        out[1:, 1:], out[1:, :1] = rows[:-1, :-1], rows[:-1, -1:]
        out[:1, 1:], out[:1, :1] = rows[-1:, :-1], rows[-1:, -1:]
    else:
        np.multiply(rows[:-1], 0.5, out=out[1:])
        np.multiply(rows[-1:], 0.5, out=out[:1])


def _in_order(idx: np.ndarray) -> bool:
    """Whether ``idx`` is ``0, 1, 2, ...`` (every element, in order)."""
    return bool(idx.size == 0 or (idx[0] == 0 and idx[-1] == idx.size - 1
                                  and np.all(np.diff(idx) == 1)))


def _constant(value: float, scale: float) -> nm.EvalBase:
    return lambda idx: (np.full(idx.size, value), np.full(idx.size, scale))


def _loop_at(
    var: np.ndarray, total: Callable[..., tuple[float, float]], *, scales: bool = False
) -> nm.EvalAt:
    """Evaluator that perturbs one element per forward call.

    ``total(point, scale=...)`` gives the objective and its absolute scale (as
    ``Subject.total``); with ``scales`` the evaluator returns the scales too.
    """

    def at(idx: np.ndarray, deltas: np.ndarray) -> Any:
        values, sizes = np.empty(idx.size), np.empty(idx.size)
        point = var.copy()
        flat = point.reshape(-1)
        for k, (j, d) in enumerate(zip(idx, deltas, strict=True)):
            original = flat[j]
            flat[j] = original + d
            values[k], sizes[k] = total(point.copy(), scale=scales)
            flat[j] = original
        return (values, sizes) if scales else values

    return at
