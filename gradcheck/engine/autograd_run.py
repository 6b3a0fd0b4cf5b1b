"""Checking an autograd engine: every expression against finite differences of ``.data``.

For each expression (:mod:`gradcheck.engine.autograd_exprs`) the leaves are drawn in the
expression's domain and

1. the forward is built with the engine and compared with NumPy's (:class:`Ref`): a
   reflected operation that computes ``a - 2`` for ``2 - a`` is wrong even if its
   backward matches its forward;
2. ``backward()`` runs through a non-uniform upstream gradient: ``backward(w)`` when the
   engine takes one, else ``sum(expr * w)`` with the engine's own ``*`` and ``sum``
   (tensors), ``expr * k`` with a random constant ``k`` (scalars); the first expression
   of each operation also runs alone, with the upstream gradient the engine seeds;
3. each leaf's ``grad`` is read (None, a wrong shape or a non-finite value are failures
   of their own) and compared with central differences of ``sum(w * expr.data)``
   (:func:`gradcheck.engine.numerics.compare`: Richardson refinement, a rounding term
   from the objective's scale, kinks accepted between the one-sided derivatives).

An operation's verdict comes from its expressions. A failure in an expression that also
uses another operation which failed on its own is not blamed on this one (inconclusive);
one computed through it (``__radd__`` returning ``self + other``, ``a / b`` as
``a * b ** -1``) fails, naming the method whose _backward to fix. An operation fails on
its own when one of its failures involves no other failing operation (``a + a``, even
though ``a + b`` passes). Diagnoses are
given only where the evidence is unambiguous (:func:`_diagnose`). Two engine-wide rows
check ``backward()`` itself: its order (an interior node used twice) and a second
``backward()`` on the same leaves after zeroing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.engine import numerics
from gradcheck.engine.autograd_exprs import (
    KINK,
    POSITIVE,
    REFLECTED,
    SCALAR_OPS,
    SYMBOL,
    TENSOR_OPS,
    Expr,
    Leaf,
    Ref,
    generic_exprs,
    graph_exprs,
    scalar_exprs,
    tensor_exprs,
)
from gradcheck.errors import EngineCallError
from gradcheck.protocol.autograd import NOT_OPERATIONS, Engine, user_call
from gradcheck.report import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    PASSED,
    SKIPPED,
    EngineReport,
    OpResult,
)

__all__ = ["ABSENT", "EngineCheck", "Outcome"]

ABSENT = "absent"
_ORDER = {ERROR: 0, FAILED: 1, INCONCLUSIVE: 2, PASSED: 3, ABSENT: 4, SKIPPED: 5}


@dataclass
class Outcome:
    """One expression evaluated: its verdict and the evidence."""

    expr: Expr
    status: str
    values: list[np.ndarray]
    message: str = ""
    cmp: numerics.Comparison | None = None
    uses: frozenset[str] = frozenset()
    inner: frozenset[str] = frozenset()  # operations the engine itself called
    kind: str = ""  # "forward" | "shape" | "none" | "numeric" | "backward" | "build"
    analytic: list[np.ndarray] = field(default_factory=list)
    grad_shapes: list[tuple[int, ...]] = field(default_factory=list)
    out_shape: tuple[int, ...] = ()

    def ratio(self) -> float:
        """Worst error over its tolerance (0 when nothing was compared)."""
        if self.cmp is None or not self.cmp.index.size:
            return 0.0
        j = self.cmp.worst()
        return float(self.cmp.error[j] / max(self.cmp.tolerance[j], 1e-300))


class EngineCheck:
    """One check of one engine class: expressions, comparisons and verdicts.

    Parameters
    ----------
    engine : Engine
        From :func:`gradcheck.protocol.autograd.inspect_engine`.
    report : EngineReport
        Filled in by :meth:`run`.
    seed : int
        Seed of the leaf values and upstream gradients.
    """

    def __init__(self, engine: Engine, report: EngineReport, seed: int) -> None:
        self.engine = engine
        self.report = report
        self.rng = np.random.default_rng(seed)
        self.evaluations = 0
        self.step = numerics.default_step(engine.eps)
        self.trace: set[str] = set()

    # ------------------------------------------------------------------ tracing
    def install_tracers(self, ops: dict[str, list[Expr]]) -> None:
        """Wrap the class's operations to record which ones an expression calls.

        ``a / b`` computed as ``a * b ** -1`` calls ``pow``: a failure of ``pow`` then
        explains the one of ``truediv``. (The caller restores the class afterwards.)
        """
        import functools

        cls = self.engine.cls
        table = TENSOR_OPS if self.engine.kind == "tensor" else SCALAR_OPS
        for op in ops:
            for name in table.get(op, (op,)):
                original = inspect_static(cls, name)
                if isinstance(original, property) and original.fget is not None:
                    getter = original.fget

                    def traced_get(obj: Any, op: str = op, getter: Any = getter) -> Any:
                        self.trace.add(op)
                        return getter(obj)

                    setattr(cls, name, property(traced_get))
                elif callable(original) and not isinstance(original, staticmethod | classmethod):
                    @functools.wraps(original)
                    def traced(*args: Any, op: str = op, original: Any = original,
                               **kwargs: Any) -> Any:
                        self.trace.add(op)
                        return original(*args, **kwargs)

                    setattr(cls, name, traced)

    # ------------------------------------------------------------------ catalogue
    def operations(self) -> dict[str, list[Expr]]:
        """The operations the class defines, with their expressions."""
        engine = self.engine
        table = TENSOR_OPS if engine.kind == "tensor" else SCALAR_OPS
        ops: dict[str, list[Expr]] = {}
        for op, needs in table.items():
            if not all(engine.defines(n) for n in needs):
                self.report.absent.append(op)
                continue
            if engine.kind == "tensor":
                exprs = tensor_exprs(op, engine.method_parameters(needs[0]))
            else:
                exprs = scalar_exprs(op)
            ops[op] = [exprs[0].alone(), *exprs]
        if engine.kind == "tensor" and "matmul" not in ops:
            for method in ("matmul", "dot"):
                if engine.defines(method):
                    ops["matmul"] = [
                        Expr("matmul", f"A.{method}(M)",
                             lambda A, M, m=method: getattr(A, m)(M),
                             (Leaf("A", (2, 3)), Leaf("M", (3, 4))), wrap=False),
                        Expr("matmul", f"S.{method}(S)", lambda S, m=method: getattr(S, m)(S),
                             (Leaf("S", (3, 3)),), reuse="leaf"),
                    ]
                    self.report.absent.remove("matmul")
                    break
        known = {n for needs in TENSOR_OPS.values() for n in needs}
        for name in self._other_methods(known):
            exprs = generic_exprs(name)
            if engine.kind == "tensor":
                exprs = [Expr(e.op, e.text, e.fn,
                              tuple(Leaf(x.name, (2, 3), x.domain) for x in e.leaves), e.uses,
                              e.reuse, e.wrap, e.reference) for e in exprs]
            ops[name] = [exprs[0].alone(), *exprs]
        return ops

    def _other_methods(self, known: set[str]) -> list[str]:
        """Public methods taking no argument besides self: unary operations to try."""
        import inspect

        out = []
        for klass in self.engine.cls.__mro__:
            if klass is object:
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or name in known or name in NOT_OPERATIONS \
                        or name in out or not inspect.isfunction(value):
                    continue
                params = list(inspect.signature(value).parameters.values())[1:]
                if all(p.default is not inspect.Parameter.empty
                       or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                    out.append(name)
        return out

    # ------------------------------------------------------------------ values
    def draw(self, leaf: Leaf) -> np.ndarray:
        """Values for one leaf, in its domain, away from 0 unless at a kink."""
        shape = leaf.shape
        if leaf.domain == POSITIVE:
            return self.rng.uniform(0.5, 2.0, shape)
        values = self.rng.uniform(0.3, 2.0, shape) * self.rng.choice([-1.0, 1.0], shape)
        if leaf.domain == KINK:
            if not shape:
                return np.array(0.0)
            flat = values.reshape(-1)
            flat[:: max(1, flat.size // 3)] = 0.0
        return np.asarray(values)

    def upstream(self, shape: tuple[int, ...], wrap: bool) -> np.ndarray:
        """The upstream gradient: random of the output's shape, or ones.

        Ones alone, and when the engine cannot be given another
        (:attr:`Engine.weighs_upstream`).
        """
        if not wrap or not self.engine.weighs_upstream:
            return np.ones(shape)
        return self.rng.uniform(0.5, 1.5, shape) * self.rng.choice([-1.0, 1.0], shape)

    # ------------------------------------------------------------------ engine calls
    def build(self, expr: Expr, values: list[np.ndarray]) -> tuple[list[Any], Any]:
        """Leaves and the expression's output, built with the engine."""
        leaves = [self.engine.leaf(v) for v in values]
        self.trace = set()
        out = user_call("forward", f"`{expr.text}`", expr.fn, *leaves)
        self.evaluations += 1
        if not self.engine.is_value(out):
            raise EngineCallError("forward", (
                f"`{expr.text}` returned a {type(out).__name__}, not a {self.engine.name}"))
        return leaves, out

    def wrapper_uses(self, shape: tuple[int, ...], wrap: bool) -> frozenset[str]:
        """The operations :meth:`backward` adds to reach a scalar through upstream ``w``."""
        engine = self.engine
        if engine.kind == "scalar":
            return frozenset({"mul"}) if wrap else frozenset()
        if (not wrap and shape == ()) or engine.seeds:
            return frozenset()
        if engine.defines("sum") and engine.defines("__mul__"):
            return frozenset({"mul", "sum"}) if wrap else frozenset({"sum"})
        return frozenset()

    def backward(self, out: Any, w: np.ndarray, wrap: bool) -> frozenset[str]:
        """Run backward from ``out`` with upstream ``w``; the operations that took."""
        engine = self.engine
        if engine.kind == "scalar":
            if not wrap:
                engine.backward(out)
                return frozenset()
            k = float(w)
            try:
                objective = out * k
            except Exception:  # noqa: BLE001 - the engine takes no plain float: a constant
                objective = user_call("forward", f"expr * {engine.name}(k)", lambda: out *
                                      engine.constant(k))
            engine.backward(objective)
            return frozenset({"mul"})
        if not wrap and np.shape(engine.data(out)) == ():
            engine.backward(out)
            return frozenset()
        if engine.seeds:
            engine.backward(out, w)
            return frozenset()
        if engine.defines("sum") and engine.defines("__mul__"):
            if wrap:
                objective = user_call("forward", "(expr * w).sum()",
                                      lambda: (out * engine.constant(w)).sum())
                engine.backward(objective)
                return frozenset({"mul", "sum"})
            engine.backward(user_call("forward", "expr.sum()", lambda: out.sum()))
            return frozenset({"sum"})
        engine.backward(out)
        return frozenset()

    def objective(self, expr: Expr, w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The expression's output ``.data`` (float64) at flat leaf values ``x``."""
        sizes = [int(np.prod(leaf.shape, dtype=int)) for leaf in expr.leaves]
        shapes = [leaf.shape for leaf in expr.leaves]

        def value(x: np.ndarray) -> np.ndarray:
            parts, start = [], 0
            for size, shape in zip(sizes, shapes, strict=True):
                parts.append(x[start:start + size].reshape(shape))
                start += size
            _, out = self.build(expr, parts)
            return self.engine.data(out)

        return value

    # ------------------------------------------------------------------ one expression
    def evaluate(self, expr: Expr) -> Outcome:
        """Build, run backward, read and compare one expression."""
        values = [self.draw(leaf) for leaf in expr.leaves]
        try:
            leaves, out = self.build(expr, values)
        except EngineCallError as exc:
            stage = ABSENT if exc.stage in ("forward",) else ERROR
            return Outcome(expr, stage, values, str(exc), kind=exc.stage)
        inner = frozenset(self.trace)
        try:
            data = self.engine.data(out)
        except EngineCallError as exc:
            return Outcome(expr, ERROR, values, str(exc), kind=exc.stage)
        w = self.upstream(data.shape, expr.wrap)
        problem = self.forward_problem(expr, values, data)
        try:
            used = self.backward(out, w, expr.wrap)
            grads = [self.engine.grad(leaf) for leaf in leaves]
        except EngineCallError as exc:
            status = ABSENT if exc.stage == "forward" else ERROR
            return Outcome(expr, status, values, str(exc), kind=exc.stage,
                           uses=expr.uses | self.wrapper_uses(data.shape, expr.wrap))
        uses = expr.uses | used
        outcome = Outcome(expr, PASSED, values, uses=uses, inner=inner - uses - {expr.op},
                          out_shape=data.shape)
        if problem:
            outcome.status, outcome.message, outcome.kind = FAILED, problem, "forward"
            return outcome
        for leaf, value, grad in zip(expr.leaves, values, grads, strict=True):
            if grad is None:
                outcome.status, outcome.kind = FAILED, "none"
                outcome.message = (f"no gradient reached {leaf.name}: its grad is None after "
                                   "backward()")
                return outcome
            outcome.grad_shapes.append(grad.shape)
            if grad.shape != value.shape and not (self.engine.kind == "scalar"
                                                  and grad.size == 1):
                outcome.status, outcome.kind = FAILED, "shape"
                outcome.message = (f"{leaf.name}.grad has shape {grad.shape}, {leaf.name} "
                                   f"has shape {value.shape}")
                return outcome
        analytic = [np.asarray(g, dtype=np.float64).reshape(v.shape)
                    for g, v in zip(grads, values, strict=True)]
        outcome.analytic = analytic
        outcome.cmp = self.compare(expr, values, analytic, w)
        outcome.kind = "numeric"
        verdict = outcome.cmp.verdict
        if (verdict == numerics.WRONG).any():
            outcome.status = FAILED
        elif (verdict == numerics.UNSURE).any():
            outcome.status = INCONCLUSIVE
            outcome.message = "; ".join(outcome.cmp.reasons)
        return outcome

    def forward_problem(self, expr: Expr, values: list[np.ndarray],
                        data: np.ndarray) -> str:
        """Why the engine's forward differs from NumPy's ("" when it agrees)."""
        if not expr.reference:
            return ""
        with np.errstate(all="ignore"):
            expected = np.asarray(expr.fn(*[Ref(v) for v in values]).data)
        if expected.shape != data.shape:
            return (f"forward of `{expr.text}` has shape {data.shape}, NumPy gives "
                    f"{expected.shape}")
        eps = self.engine.eps
        scale = 1.0 + float(np.abs(expected).max(initial=0.0))
        if np.allclose(data, expected, rtol=0.0, atol=1e4 * eps * scale):
            return ""
        j = int(np.abs(data - expected).reshape(-1).argmax())
        return (f"forward of `{expr.text}` computes {data.reshape(-1)[j]:.6g} where NumPy "
                f"gives {expected.reshape(-1)[j]:.6g}: the operation's forward is wrong")

    def compare(self, expr: Expr, values: list[np.ndarray], analytic: list[np.ndarray],
                w: np.ndarray) -> numerics.Comparison:
        """Central differences of ``sum(w * expr.data)`` against the leaves' grads."""
        x = np.concatenate([v.reshape(-1) for v in values])
        a = np.concatenate([g.reshape(-1) for g in analytic])
        value = self.objective(expr, w)
        out0 = value(x)
        terms0 = np.abs(w * out0)
        f0 = float(np.sum(w * out0))
        cache: dict[tuple[int, float], tuple[float, float]] = {}

        def moved(i: int, d: float) -> tuple[float, float]:
            # the objective, and the rounding scale of only the outputs that moved: the
            # others are computed identically and cancel exactly in the difference
            key = (int(i), float(d))
            if key not in cache:
                point = x.copy()
                point[i] += d
                try:
                    out = value(point)
                except EngineCallError:
                    cache[key] = (np.nan, np.nan)
                else:
                    if out.shape != out0.shape:
                        cache[key] = (np.nan, np.nan)
                    else:
                        changed = out != out0
                        scale = float(np.sum(np.maximum(np.abs(w * out), terms0)[changed]))
                        cache[key] = (float(np.sum(w * out)), scale)
            return cache[key]

        def at(idx: np.ndarray, deltas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            pairs = [moved(i, d) for i, d in zip(idx, deltas, strict=True)]
            return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])

        step = self.step

        def base(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            s = step * np.maximum(np.abs(x[idx]), 1.0)  # the first step compare takes
            scales = np.array([moved(i, d)[1] for i, d in zip(idx, s, strict=True)])
            return np.full(idx.size, f0), np.where(np.isfinite(scales), scales,
                                                   float(terms0.sum()))

        eps = self.engine.eps
        return numerics.compare(x, a, numerics.Evaluators(at, base), numerics.Steps(step, 1.0),
                                numerics.Precision(eps, eps))

    # ------------------------------------------------------------------ the run
    def run(self) -> None:
        """Every operation, then ``backward()`` itself; fills the report."""
        ops = self.operations()
        if not self.engine.weighs_upstream:
            self.report.notes.append(
                f"{self.engine.name} has no `*` and its backward() takes no gradient: every "
                "expression is checked with an upstream gradient of ones, so a _backward "
                "that ignores out.grad cannot be told apart (define __mul__ and sum, or "
                "backward(grad), to check it)")
        self.install_tracers(ops)
        outcomes: dict[str, list[Outcome]] = {}
        for op, exprs in ops.items():
            outcomes[op] = [self.evaluate(e) for e in exprs]
        if "add" in ops and "mul" in ops:
            shape = (2, 3) if self.engine.kind == "tensor" else ()
            outcomes["backward"] = [self.evaluate(e) for e in graph_exprs(shape)]
        statuses = {op: _raw_status(results) for op, results in outcomes.items()}
        trusted = {op for op, s in statuses.items() if s == PASSED}
        # an operation whose every expression using nothing else passes is trusted too,
        # when each of its failures also uses (or calls) an operation that did not pass:
        # when `*` is broken and the upstream gradient goes through `(expr * w).sum()`,
        # `sum` alone (`A.sum()`) tells which of the two it is. A failure whose other
        # operations all passed is this one's: `a + a` (scalar: `(a + a) * k`, so it
        # "uses" a correct `*`) fails with `__add__`'s `=` for `+=`, though `a + b` passes
        passing = set(trusted)
        for op, results in outcomes.items():
            pure = [r for r in results if r.status != ABSENT and not r.uses - {op}]
            bad = [r for r in results if r.status in (FAILED, ERROR)]
            explained = all((r.uses | r.inner) - {op} - passing for r in bad)
            if pure and all(r.status == PASSED for r in pure) and explained:
                trusted.add(op)
        generic = set(ops) - set(TENSOR_OPS)
        for op, results in outcomes.items():
            if op in generic and all(r.status == ABSENT for r in results):
                # a method returning something else than a node: not an operation
                self.report.notes.append(f"{op}() does not return a {self.engine.name}: "
                                         "not checked as an operation")
                continue
            self.report.gradients.append(self.verdict(op, results, trusted, statuses))
        if "add" in ops and "mul" in ops:
            self.report.gradients.append(self.second_backward(trusted))
        self.report.evaluations = self.evaluations
        self.report.step = self.step

    def verdict(self, op: str, results: list[Outcome], trusted: set[str],
                statuses: dict[str, str]) -> OpResult:
        """One operation's row from its expressions' outcomes.

        In order: nothing ran (skipped); a failure of its own computed through a failing
        operation (failed, naming that one's method); failures only where another failing
        operation is used (inconclusive); nothing decided (passed); else the worst outcome.
        """
        ran = [r for r in results if r.status != ABSENT]
        row = OpResult(name=op, status=PASSED, expressions=len(ran))
        if not ran:
            row.status = SKIPPED
            row.diagnosis = f"every expression raised in forward ({results[0].message})"
            return row
        self._note_unsupported(op, results)
        bad = [r for r in ran if r.status in (FAILED, ERROR)]
        own = [r for r in bad if r.uses - {op} <= trusted]
        through = [r for r in own if not r.inner <= trusted]
        if own and len(through) == len(own) and op != "backward":
            return self._computed_through(row, own, trusted)
        if bad and not own:
            return self._uses_failing(row, op, bad, trusted)
        decided = own or ([] if bad else [r for r in ran if r.status == INCONCLUSIVE])
        if not decided:
            return self._passed(row, ran)
        return self._decided(row, op, decided, ran, statuses)

    def _note_unsupported(self, op: str, results: list[Outcome]) -> None:
        """A note naming the expressions the engine does not support."""
        absent = [r for r in results if r.status == ABSENT]
        if absent:
            texts = ", ".join(dict.fromkeys(f"`{r.expr.text}`" for r in absent))
            self.report.notes.append(f"{op}: not supported by the engine: {texts} "
                                     f"({absent[0].message})")

    def _computed_through(self, row: OpResult, own: list[Outcome],
                          trusted: set[str]) -> OpResult:
        """Failed, computed through an operation that fails on its own: name its method."""
        inner = sorted({u for r in own for u in r.inner - trusted})
        row.status = FAILED
        row.failing = [r.expr.text for r in own]
        _fill(row, own[0], self.engine)
        culprits = ", ".join(f"`{_dunder(u)}`" for u in inner)
        row.diagnosis = (f"`{own[0].expr.text}` is computed through {', '.join(inner)}, "
                         f"which fails on its own: the _backward at fault is {culprits}'s"
                         "; fix it first")
        return row

    def _uses_failing(self, row: OpResult, op: str, bad: list[Outcome],
                      trusted: set[str]) -> OpResult:
        """Inconclusive: every failure also uses an operation that fails on its own."""
        others = sorted({u for r in bad for u in r.uses - {op} - trusted})
        row.status = INCONCLUSIVE
        row.failing = [r.expr.text for r in bad]
        row.depends = others
        _fill(row, bad[0], self.engine)
        row.error = row.tolerance = float("nan")  # (not this operation's evidence)
        row.diagnosis = (f"`{bad[0].expr.text}` failed, but it also uses "
                         f"{', '.join(others)}, which failed on its own: check again "
                         "once that is fixed")
        return row

    def _passed(self, row: OpResult, ran: list[Outcome]) -> OpResult:
        """Passed: the closest call shown, every compared element and kink counted."""
        closest = max(ran, key=lambda r: r.ratio())
        _fill(row, closest, self.engine)
        compared = [r.cmp for r in ran if r.cmp is not None]
        row.checked = sum(c.index.size for c in compared)
        row.kinks = sum(int((c.verdict == numerics.KINK).sum()) for c in compared)
        return row

    def _decided(self, row: OpResult, op: str, decided: list[Outcome], ran: list[Outcome],
                 statuses: dict[str, str]) -> OpResult:
        """The worst decided outcome (a failure before an error): its status and diagnosis."""
        worst = min(decided, key=lambda r: _ORDER[r.status])  # (the simplest: catalogue order)
        row.status = ERROR if worst.status == ERROR and not any(
            r.status == FAILED for r in decided) else worst.status
        if worst.status == ERROR and row.status == FAILED:
            worst = next(r for r in decided if r.status == FAILED)
        row.failing = [r.expr.text for r in decided]
        _fill(row, worst, self.engine)
        if row.status == FAILED:
            row.diagnosis = _diagnose(op, worst, decided, ran, statuses)
        elif row.status == ERROR:
            row.diagnosis = f"backward raised: {worst.message}"
        else:
            row.diagnosis = worst.message or None
        return row

    # ------------------------------------------------------------------ backward twice
    def second_backward(self, trusted: set[str]) -> OpResult:
        """``backward()`` again on the same leaves: after zeroing, and without."""
        engine = self.engine
        shape = (2, 3) if engine.kind == "tensor" else ()
        expr = Expr("second backward", "a * b + a", lambda a, b: a * b + a,
                    (Leaf("a", shape), Leaf("b", shape)), frozenset({"add", "mul"}), "leaf")
        row = OpResult(name="second backward", status=PASSED, expressions=4)
        values = [self.draw(leaf) for leaf in expr.leaves]
        w = self.upstream(shape, True)
        how = "zero_grad()" if engine.zero_method else "setting .grad as on a new value"
        try:
            leaves = [engine.leaf(v) for v in values]

            def once() -> list[np.ndarray]:
                out = user_call("forward", f"`{expr.text}`", expr.fn, *leaves)
                self.evaluations += 1
                self.backward(out, w, True)
                return [_grad(engine, leaf) for leaf in leaves]

            first = once()
            for leaf in leaves:
                engine.zero(leaf)
            after_zero = [_grad(engine, leaf) for leaf in leaves]
            second = once()
            third = once()  # without zeroing
            out = user_call("forward", f"`{expr.text}`", expr.fn, *leaves)
            for leaf in leaves:
                engine.zero(leaf)
            self.backward(out, w, True)
            same = [_grad(engine, leaf) for leaf in leaves]
            for leaf in leaves:
                engine.zero(leaf)
            self.backward(out, w, True)
            same_again = [_grad(engine, leaf) for leaf in leaves]
        except EngineCallError as exc:
            row.status = ERROR
            row.diagnosis = f"backward twice on the same leaves raised: {exc}"
            return row
        uses = expr.uses | self.wrapper_uses(shape, True)
        if not uses <= trusted:
            row.status = INCONCLUSIVE
            row.depends = sorted(uses - trusted)
            row.diagnosis = (f"`{expr.text}` uses {', '.join(row.depends)}, which failed on "
                             "its own: check again once that is fixed")
            return row
        numeric = self.compare(expr, values, first, w)
        if (numeric.verdict >= numerics.UNSURE).any():
            row.status = INCONCLUSIVE
            row.diagnosis = "the first backward() could not be verified"
            return row
        truth = numeric.numeric.copy()
        tol = numeric.tolerance
        row.expression = f"{expr.text}, backward() again on the same leaves"
        row.values = {leaf.name: v.tolist() for leaf, v in zip(expr.leaves, values,
                                                               strict=True)}
        row.checked = int(truth.size)

        def agrees(grads: list[np.ndarray], target: np.ndarray) -> bool:
            got = np.concatenate([g.reshape(-1) for g in grads])
            return bool(np.all(np.abs(got - target) <= 4 * tol))

        def fail(grads: list[np.ndarray], target: np.ndarray, diagnosis: str) -> OpResult:
            got = np.concatenate([g.reshape(-1) for g in grads])
            j = int(np.abs(got - target).argmax())
            row.status, row.diagnosis = FAILED, diagnosis
            row.analytic, row.numeric = float(got[j]), float(target[j])
            row.error, row.tolerance = float(abs(got[j] - target[j])), float(4 * tol[j])
            row.leaf, row.index = _locate(expr, j)
            return row

        zeros = np.zeros_like(truth)
        if not agrees(after_zero, zeros):
            return fail(after_zero, zeros, (
                f"after {how} the leaves still hold a gradient: the next backward() adds to "
                "the old one (zeroing does not reset the value it is called on)"))
        if not agrees(second, truth):
            return fail(second, truth, (
                "gradients depend on a previous graph: after zeroing the leaves, a new graph "
                "on the same leaves gets a different gradient than the first one did (state "
                "kept between backward() calls: a topological order or visited set kept "
                "across calls, e.g. a mutable default argument)"))
        if not (agrees(third, 2 * truth) or agrees(third, truth)):
            return fail(third, 2 * truth, (
                "a second backward() without zeroing gives neither the sum of both gradients "
                "(accumulation, as in PyTorch) nor the new gradient alone (a reset)"))
        self.report.notes.append(
            "backward() without zeroing " + ("accumulates into .grad (zero the leaves "
                                             "between steps)" if agrees(third, 2 * truth)
                                             else "resets .grad"))
        if not (agrees(same, truth) and agrees(same_again, truth)):
            self.report.notes.append(
                "backward() run again on the same graph (after zeroing the leaves) gives "
                "another gradient: the interior nodes keep their grad from the previous "
                "call (as in micrograd); build a new graph for every backward(), as a "
                "training loop does, or reset every node's grad at the start of backward()")
        row.error, row.tolerance = 0.0, float(tol.max())
        return row


def inspect_static(cls: type, name: str) -> Any:
    """The attribute as the class holds it (a property stays a property)."""
    import inspect

    return inspect.getattr_static(cls, name, None)


def _grad(engine: Engine, leaf: Any) -> np.ndarray:
    g = engine.grad(leaf)
    shape = np.shape(engine.data(leaf))
    if g is None:
        return np.zeros(shape)
    return np.broadcast_to(g, shape) if g.size in (1, int(np.prod(shape))) else g


def _raw_status(results: list[Outcome]) -> str:
    ran = [r.status for r in results if r.status != ABSENT]
    if not ran:
        return SKIPPED
    return min(ran, key=_ORDER.__getitem__)


def _locate(expr: Expr, flat: int) -> tuple[str, tuple[int, ...]]:
    """The leaf and the index in it of a flat position in the concatenated leaves."""
    start = 0
    for leaf in expr.leaves:
        size = int(np.prod(leaf.shape, dtype=int))
        if flat < start + size:
            index = np.unravel_index(flat - start, leaf.shape) if leaf.shape else ()
            return leaf.name, tuple(int(i) for i in index)
        start += size
    return expr.leaves[-1].name, ()


def _fill(row: OpResult, outcome: Outcome, engine: Engine) -> None:
    """The deciding expression's evidence into the row."""
    expr = outcome.expr
    row.expression = expr.text
    row.upstream = "random" if expr.wrap and engine.weighs_upstream else "1"
    row.values = {leaf.name: (v.tolist() if v.size <= 6 else f"array{v.shape}")
                  for leaf, v in zip(expr.leaves, outcome.values, strict=True)}
    cmp = outcome.cmp
    if cmp is None or not cmp.index.size:
        row.diagnosis = outcome.message or None
        return
    j = cmp.worst()
    row.leaf, row.index = _locate(expr, int(cmp.index[j]))
    row.analytic, row.numeric = float(cmp.analytic[j]), float(cmp.numeric[j])
    row.error, row.tolerance = float(cmp.error[j]), float(cmp.tolerance[j])
    row.failed = int((cmp.verdict == numerics.WRONG).sum())
    row.inconclusive = int((cmp.verdict == numerics.UNSURE).sum())
    row.checked = int(cmp.index.size)
    row.resolution = float(np.median(cmp.tolerance) / max(np.abs(cmp.numeric).max(), 1e-300))


def _dunder(op: str) -> str:
    """The method that holds an operation's _backward (``add`` -> ``__add__``)."""
    return {"matmul": "__matmul__", "getitem": "__getitem__", "neg": "__neg__"}.get(
        op, f"__{op}__" if op in SYMBOL else op)


def _diagnose(op: str, worst: Outcome, failed: list[Outcome], ran: list[Outcome],
              statuses: dict[str, str]) -> str | None:
    """The likely bug, only where the pattern of failing expressions says so.

    A forward or shape failure says what it is; a numeric one goes through
    :data:`OP_RULES`, the first rule that applies deciding.
    """
    if worst.kind in ("forward", "none"):
        return worst.message
    if worst.kind == "shape":
        return _shape_diagnosis(worst)
    evidence = _OpEvidence(op, worst, failed, ran)
    return next((text for rule in OP_RULES if (text := rule(evidence)) is not None), None)


def _shape_diagnosis(worst: Outcome) -> str | None:
    """A gradient of the output's shape for a smaller operand: not summed back.

    tests/zoo_engines/tensor_broadcast.py.
    """
    big = [s for s in worst.grad_shapes if s == worst.out_shape]
    if big and worst.out_shape != () and any(
            len(leaf.shape) < len(worst.out_shape) or 1 in leaf.shape
            for leaf in worst.expr.leaves):
        return (f"{worst.message}: a broadcast operand's gradient must be summed over "
                "the axes it was broadcast along (and reshaped to its own shape)")
    return worst.message


@dataclass
class _OpEvidence:
    """One operation's numeric outcomes, as the rules of :data:`OP_RULES` read them."""

    op: str
    worst: Outcome
    failed: list[Outcome]
    ran: list[Outcome]

    @property
    def dunder(self) -> str:
        """The method that holds the operation's _backward."""
        return _dunder(self.op)

    @property
    def numeric_fail(self) -> list[Outcome]:
        """The failed expressions that were compared (not a forward or shape failure)."""
        return [r for r in self.failed if r.kind == "numeric"]

    @property
    def single(self) -> list[Outcome]:
        """The compared expressions that use no node twice."""
        return [r for r in self.ran if r.kind == "numeric" and not r.expr.reuse]

    @property
    def alone(self) -> list[Outcome]:
        """The compared expressions run with an upstream gradient of 1 (not wrapped)."""
        return [r for r in self.ran if not r.expr.wrap and r.kind == "numeric"]


def _outside_graph(e: _OpEvidence) -> str | None:
    """A reflected operation whose operand gets no gradient at all.

    tests/zoo_engines/scalar_rmul.py.
    """
    cmp = e.worst.cmp
    if e.op not in REFLECTED or cmp is None or not np.all(cmp.analytic == 0) \
            or not np.any(cmp.numeric != 0):
        return None
    text = (f"`{e.worst.expr.text}` gives its operand no gradient: {e.dunder} builds a "
            "value outside the graph")
    if e.op in ("rsub", "rtruediv"):
        return text
    return (f"{text} (return `self {SYMBOL[e.op]} other`, or a new node whose _backward "
            "reaches self)")


def _assigned(e: _OpEvidence) -> str | None:
    """Only the expressions using a leaf twice fail: ``=`` for ``+=`` (or a fancy index).

    tests/zoo_engines/scalar_assign.py, tensor_assign.py, scalar_micro_add.py,
    tensor_getitem.py.
    """
    failing = e.numeric_fail
    if not (failing and all(r.expr.reuse == "leaf" for r in failing) and e.single
            and all(r.status == PASSED for r in e.single)):
        return None
    if e.op == "getitem" and all("[[" in r.expr.text for r in failing):
        return ("repeated indices get one contribution: `grad[index] += g` with a fancy "
                "index adds once per distinct index; use `np.add.at(grad, index, g)`")
    return ("grad assigned, not accumulated: a node used twice gets only one "
            f"contribution (`=` instead of `+=` in {e.dunder}'s _backward)")


def _topological(e: _OpEvidence) -> str | None:
    """``backward`` fails only where an interior node is used twice: the order is wrong.

    tests/zoo_engines/scalar_topo.py, scalar_micro_topo.py.
    """
    failing = e.numeric_fail
    if e.op != "backward" or not failing or any(r.expr.reuse != "interior" for r in failing):
        return None
    texts = ", ".join(f"`{r.expr.text}`" for r in failing)
    return ("a node's _backward ran before all its users had added to its grad: the "
            f"topological order visits a node before its users ({texts} failed; build "
            "the order by depth-first search, appending a node after its children, and "
            "walk it in reverse)")


def _ignores_upstream(e: _OpEvidence) -> str | None:
    """Right alone (upstream 1), wrong under a random upstream gradient.

    tests/zoo_engines/scalar_chain.py.
    """
    failing, alone = e.numeric_fail, e.alone
    if not (alone and all(r.status == PASSED for r in alone) and failing
            and all(r.expr.wrap for r in failing) and not failing[0].expr.reuse):
        return None
    return (f"{e.dunder}'s _backward ignores the upstream gradient: right only when it is "
            "1 (multiply the local derivative by out.grad)")


def _local_derivative(e: _OpEvidence) -> str | None:
    """The operation alone already fails: its local derivative is wrong.

    tests/zoo_engines/scalar_pow.py, scalar_div.py.
    """
    alone = e.alone
    if not alone or alone[0].expr.reuse or all(r.status != FAILED for r in alone):
        return None
    return (f"the local derivative in {e.dunder}'s _backward is wrong: "
            f"`{alone[0].expr.text}` alone already fails")


OP_RULES: tuple[Callable[[_OpEvidence], str | None], ...] = (
    _outside_graph, _assigned, _topological, _ignores_upstream, _local_derivative,
)
"""The diagnoses of a numeric failure, tried in order: the first that applies decides."""
