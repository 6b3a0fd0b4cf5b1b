"""``gradcheck --plot DIR``: where a gradient is wrong, drawn from the verdict's own data.

For each checked class, one PNG: for the gradients of the check that decided the class
(failing gradients first, then the closest call), three heatmaps side by side: the
analytic gradient backward produced, the numeric one the check computed, and their
difference, with the elements judged wrong outlined. The values are the ones a verdict
was made from (:class:`gradcheck.report.Elements`): for a failure, the largest failing
example the run met (a shrunk failure is often 1 x 1); for a pass, the engine's run on
the first non-trivial example. A
transposed gradient, one wrong row or a missing ``/ samples`` shows at a glance. Arrays
of more than two dimensions are drawn as ``(first axis, all other axes flattened)``.

Needs matplotlib (the ``plot`` extra); it is imported here only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from gradcheck.report import FAILED, MISSING, PASSED, GradientResult
from gradcheck.targets.runner import ClassResult, run_engine

MAX_GRADIENTS = 4  # rows of heatmaps in one figure


def plot_result(result: ClassResult, directory: Path) -> Path | None:
    """Write ``directory/<Class>.png`` for one class; ``None`` when nothing can be drawn.

    Parameters
    ----------
    result : ClassResult
        A class that was checked (skipped classes, and classes whose checks compared no
        element one by one, have nothing to draw).
    directory : Path
        Where the PNG goes.

    Returns
    -------
    Path or None
        The file written.
    """
    check = result.worst_check
    report = getattr(check, "report", None)
    if report is None:
        return None
    if check.evidence is not None:
        # a shrunk failure is often 1 x 1: the largest failing example met shows the pattern
        report = check.evidence
    elif check.first is not None and report.status == PASSED:
        # a passing class: its first non-trivial example (the engine runs on it again)
        larger, _ = run_engine(check.spec, check.first)
        if larger is not None and larger.status == report.status:
            report = larger
    path = directory / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', result.name)}.png"
    title = f"{result.name} ({result.kind}, {check.spec.variant}): {result.status}"
    return plot_report(report, path, title=title)


def plot_report(report: Any, path: Path, *, title: str | None = None) -> Path | None:
    """Write the heatmaps of one report (``check_layer(..., raise_on_failure=False)``).

    Parameters
    ----------
    report : Report
        A report whose gradients were compared element by element.
    path : Path
        The PNG to write.
    title : str, optional
        Default: the report's name, kind and status.

    Returns
    -------
    Path or None
        ``path``, or ``None`` when no gradient has per-element data.
    """
    drawn = _gradients(report.gradients)
    if not drawn:
        return None
    _draw(path, title or f"{report.name} ({report.kind}): {report.status}", drawn)
    return path


def _gradients(gradients: list[GradientResult]) -> list[GradientResult]:
    with_data = [g for g in gradients if g.elements is not None]
    failing = [g for g in with_data if g.status in (FAILED, MISSING)]
    others = sorted((g for g in with_data if g not in failing),
                    key=lambda g: -(g.error / g.tolerance if g.tolerance else 0.0))
    return (failing + others)[:MAX_GRADIENTS]


def _as_2d(values: np.ndarray) -> np.ndarray:
    if values.ndim == 0:
        return values.reshape(1, 1)
    if values.ndim == 1:
        return values.reshape(1, -1)
    return values.reshape(values.shape[0], -1)


def _draw(path: Path, title: str, gradients: list[GradientResult]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len(gradients)
    figure = Figure(figsize=(11.0, 2.9 * rows + 0.9), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=11)
    axes = figure.subplots(rows, 3, squeeze=False)
    for row, gradient in zip(axes, gradients, strict=True):
        _draw_row(row, gradient)
    figure.savefig(path)


def _draw_row(axes: Any, gradient: GradientResult) -> None:
    from matplotlib.ticker import MaxNLocator

    data = gradient.elements
    assert data is not None
    analytic = _as_2d(np.asarray(data.analytic, dtype=np.float64))
    numeric = _as_2d(np.asarray(data.numeric, dtype=np.float64))
    verdict = _as_2d(data.verdict)
    difference = analytic - numeric
    limit = float(np.nanmax(np.abs(np.concatenate([analytic.ravel(), numeric.ravel()]))))
    limit = limit if limit > 0 else 1.0
    shape = "x".join(str(n) for n in np.shape(data.analytic))
    panels = (
        (analytic, f"{gradient.name} {shape}: analytic (backward)", limit),
        (numeric, "numeric (finite differences)", limit),
        (difference, f"analytic - numeric ({gradient.status})",
         float(np.nanmax(np.abs(difference))) if np.isfinite(difference).any() else 1.0),
    )
    for ax, (values, title, scale) in zip(axes, panels, strict=True):
        scale = scale if scale > 0 else 1.0
        image = ax.imshow(values, cmap="RdBu_r", vmin=-scale, vmax=scale, aspect="auto",
                          interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("column" if np.ndim(data.analytic) <= 2 else "other axes (flattened)",
                      fontsize=8)
        ax.set_ylabel("row (axis 0)", fontsize=8)
        ax.tick_params(labelsize=7)
        rows, cols = values.shape
        if cols <= 16:
            ax.set_xticks(range(cols))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if rows <= 16:
            ax.set_yticks(range(rows))
        else:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.figure.colorbar(image, ax=ax, shrink=0.85)
    wrong = np.argwhere(verdict == 3)
    for r, c in wrong[:400]:
        axes[2].add_patch(_box(c, r))


def _box(col: int, row: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", lw=0.8)
