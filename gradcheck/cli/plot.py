"""``gradcheck --plot DIR``: the finite-difference error against the step size, per class.

For the class's first generated example, the check is run once more with fixed
``dvalues``; for the worst element of each gradient it reports, the central difference
``D(h) = (f(x + s) - f(x - s)) / 2s`` with ``s = h * max(1, |x|)`` is computed for steps
``h`` from 1e-12 to 1e-1 and ``|D(h) - analytic|`` is drawn on log-log axes. A correct
gradient shows the "V": rounding error ``~ eps / h`` on the left, truncation error
``~ h**2`` on the right, and a minimum near the step the check uses. A wrong gradient
shows a floor far above the tolerance at every step.

Needs matplotlib (the ``plot`` extra); it is imported here only.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from gradcheck.targets.runner import Case, ClassResult, run_engine

STEPS = np.logspace(-12, -1, 34)


def plot_result(result: ClassResult, directory: Path) -> Path | None:
    """Write ``directory/<Class>.png`` for one class; ``None`` when nothing can be drawn.

    Parameters
    ----------
    result : ClassResult
        A class that was checked (skipped classes and classes whose first example could
        not be built have nothing to plot).
    directory : Path
        Where the PNG goes.

    Returns
    -------
    Path or None
        The file written.
    """
    check = next((c for c in result.checks if c.first is not None), None)
    if check is None:
        return None
    case = check.first
    try:
        curves, report = _curves(check.spec, case)
    except Exception:  # noqa: BLE001 - a class that raises has no curve to draw
        return None
    if not curves:
        return None
    path = directory / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', result.name)}.png"
    _draw(path, result, check.spec.variant, curves, report)
    return path


class _Curve:
    def __init__(self, name: str, index: tuple[int, ...], errors: np.ndarray,
                 tolerance: float, status: str) -> None:
        self.name, self.index, self.errors = name, index, errors
        self.tolerance, self.status = tolerance, status


@contextlib.contextmanager
def _float64_numpy() -> Iterator[None]:
    """Undo ``nnfs.init()``'s float32 patches while evaluating, as the check does."""
    try:
        from gradcheck.engine.state import numpy_unpatched
    except ImportError:  # pragma: no cover - the engine provides it
        yield
        return
    with numpy_unpatched(), np.errstate(all="ignore"), warnings.catch_warnings(), \
            contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def _curves(spec: Any, case: Case) -> tuple[list[_Curve], Any]:
    obj = case.obj
    state = np.random.get_state()
    dvalues = None
    with _float64_numpy():
        if spec.kind == "layer":
            np.random.set_state(state)
            _forward(spec, obj, case)
            dvalues = np.random.default_rng(case.seed).standard_normal(
                np.shape(obj.output))
    report, problem = run_engine(spec, case, dvalues=dvalues)
    if report is None:
        raise RuntimeError(problem)
    objective = _objective(spec, obj, case, dvalues, state)
    curves = []
    with _float64_numpy():
        analytic = _analytic(spec, obj, case, dvalues, state)
        for gradient in report.gradients:
            if gradient.index is None or gradient.name not in analytic:
                continue
            variable = _variable(obj, case, gradient.name)
            if variable is None or variable.dtype.kind != "f":
                continue
            index = tuple(gradient.index)
            errors = _errors(objective, variable, index, float(analytic[gradient.name][index]))
            curves.append(_Curve(gradient.name, index, errors, gradient.tolerance,
                                 gradient.status))
    np.random.set_state(state)
    return curves, report


def _forward(spec: Any, obj: Any, case: Case) -> Any:
    if spec.kind == "layer":
        inputs = case.arrays["inputs"]
        return obj.forward(inputs.copy(), True) if spec.training else obj.forward(inputs.copy())
    return obj.forward(case.arrays["y_pred"].copy(), case.arrays["y_true"].copy())


def _penalty(obj: Any) -> float:
    total = 0.0
    for name in ("weights", "biases"):
        value = getattr(obj, name, None)
        if not isinstance(value, np.ndarray):
            continue
        stem = name[:-1]
        l1 = float(getattr(obj, f"{stem}_regularizer_l1", 0) or 0)
        l2 = float(getattr(obj, f"{stem}_regularizer_l2", 0) or 0)
        total += l1 * float(np.sum(np.abs(value))) + l2 * float(np.sum(value * value))
    return total


def _objective(spec: Any, obj: Any, case: Case, dvalues: np.ndarray | None,
               state: Any) -> Callable[[], float]:
    def objective() -> float:
        np.random.set_state(state)
        result = _forward(spec, obj, case)
        if spec.kind == "layer":
            return float(np.sum(np.asarray(obj.output, dtype=np.float64) * dvalues)) \
                + _penalty(obj)
        return float(np.mean(np.asarray(result, dtype=np.float64)))

    return objective


def _analytic(spec: Any, obj: Any, case: Case, dvalues: np.ndarray | None,
              state: Any) -> dict[str, np.ndarray]:
    np.random.set_state(state)
    _forward(spec, obj, case)
    if spec.kind == "layer":
        obj.backward(dvalues.copy())
    elif spec.kind == "fused":
        obj.backward(np.array(obj.output, dtype=np.float64), case.arrays["y_true"].copy())
    else:
        obj.backward(case.arrays["y_pred"].copy(), case.arrays["y_true"].copy())
    grads = {}
    for name, value in vars(obj).items():
        if name.startswith("d") and isinstance(value, np.ndarray):
            grads[name] = np.array(value, dtype=np.float64)
    return grads


def _variable(obj: Any, case: Case, name: str) -> np.ndarray | None:
    if name == "dinputs":
        return case.arrays["inputs" if "inputs" in case.arrays else "y_pred"]
    value = getattr(obj, name[1:], None)
    return value if isinstance(value, np.ndarray) else None


def _errors(objective: Callable[[], float], variable: np.ndarray, index: tuple[int, ...],
            analytic: float) -> np.ndarray:
    original = variable[index]
    scale = max(1.0, abs(float(original)))
    errors = []
    try:
        for h in STEPS:
            s = h * scale
            variable[index] = original + s
            plus = objective()
            variable[index] = original - s
            minus = objective()
            errors.append(abs((plus - minus) / (2 * s) - analytic))
    finally:
        variable[index] = original
    return np.array(errors)


def _check_step() -> float | None:
    try:
        from gradcheck.engine.numerics import default_step
    except ImportError:  # pragma: no cover - the engine provides it
        return None
    return default_step(float(np.finfo(np.float64).eps))


def _draw(path: Path, result: ClassResult, variant: str, curves: list[_Curve],
          report: Any) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.5, 6.0), dpi=110)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    tolerances = np.array([c.tolerance for c in curves if c.tolerance == c.tolerance])
    positive = np.concatenate([*(c.errors[c.errors > 0] for c in curves), tolerances])
    positive = positive[positive > 0]
    floor = max(float(positive.min()) / 10 if positive.size else 1e-20, 1e-20)
    colors = ["C0", "C1", "C2", "C3", "C4", "C5"]
    for i, curve in enumerate(curves):
        color = colors[i % len(colors)]
        where = ", ".join(str(k) for k in curve.index)
        exact = " exact at every step" if not np.any(curve.errors) else ""
        axes.loglog(STEPS, np.maximum(curve.errors, floor), "o-", ms=3, color=color,
                    label=f"{curve.name}[{where}] ({curve.status}){exact}")
        if curve.tolerance == curve.tolerance and curve.tolerance > floor:
            axes.axhline(curve.tolerance, color=color, ls=":", lw=1.2,
                         label=f"tolerance of the check, {curve.name}: {curve.tolerance:.1e}")
    step = _check_step()
    if step is not None:
        axes.axvline(step, color="0.4", ls="--", lw=1.0,
                     label=f"step of the check: h = {step:.1e}")
    axes.set_xlabel("relative step h  (perturbation s = h * max(1, |x|))\n"
                    "correct: rounding error ~ eps/h on the left, truncation ~ h^2 on the "
                    "right (curved functions); wrong: a floor above the tolerance", fontsize=9)
    axes.set_ylabel("|central difference - analytic|")
    axes.set_title(f"{result.name} ({result.kind}, {variant}): {result.status}\n"
                   "finite-difference error vs step at the worst element, first example",
                   fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
                frameon=False)
    figure.tight_layout()
    figure.savefig(path)
