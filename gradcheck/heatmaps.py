"""Heatmaps of gradients, drawn from a verdict's own per-element data.

For each gradient, three heatmaps side by side: the analytic gradient backward produced,
the numeric one the check computed, and their difference, with the elements judged wrong
outlined (:class:`gradcheck.report.Elements`). A transposed gradient, one wrong row or a
missing ``/ samples`` shows at a glance. Arrays of more than two dimensions are drawn as
``(first axis, all other axes flattened)``.

One drawing for ``gradcheck --plot`` (:mod:`gradcheck.cli.plot`) and for the notebook
view (:func:`gradcheck.views.report_html`). Reads gradients through ``getattr`` only and
imports of gradcheck only :class:`gradcheck.report.Verdict` (the verdict codes);
matplotlib is imported when a figure is drawn, never at import time, so ``import
gradcheck`` stays cheap and works without it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from gradcheck.report import Verdict

__all__ = ["MAX_GRADIENTS", "drawable", "figure", "png"]

MAX_GRADIENTS = 4  # rows of heatmaps in one figure
_FAILING = ("failed", "missing")


def drawable(gradients: Iterable[Any], *, failing_only: bool = False) -> list[Any]:
    """Pick the gradients to draw: failing ones first, then the closest calls.

    Parameters
    ----------
    gradients : iterable of GradientResult
        A report's gradients.
    failing_only : bool
        Keep only failed gradients (the notebook view draws nothing for a pass).

    Returns
    -------
    list of GradientResult
        At most ``MAX_GRADIENTS``, each with per-element data (``elements``).
    """
    with_data = [g for g in gradients if getattr(g, "elements", None) is not None]
    failing = [g for g in with_data if getattr(g, "status", "") in _FAILING]
    if failing_only:
        return failing[:MAX_GRADIENTS]
    others = sorted((g for g in with_data if g not in failing), key=_closeness)
    return (failing + others)[:MAX_GRADIENTS]


def _closeness(gradient: Any) -> float:
    tolerance = getattr(gradient, "tolerance", 0.0)
    ratio = getattr(gradient, "error", 0.0) / tolerance if tolerance else 0.0
    return -ratio if ratio == ratio else 0.0


def figure(gradients: Sequence[Any], title: str, *, dpi: int = 100) -> Any:
    """Draw one row of three heatmaps per gradient.

    Parameters
    ----------
    gradients : sequence of GradientResult
        Gradients with per-element data, e.g. from :func:`drawable`.
    title : str
        The figure's title.
    dpi : int
        Resolution (the figure is 11 inches wide).

    Returns
    -------
    matplotlib.figure.Figure
        With an Agg canvas attached (``savefig`` works without pyplot).

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install 'nnfs-gradcheck[plot]'``).
    """
    # lazy: matplotlib is optional (the plot extra); imported first, so that a blocked
    # matplotlib raises here
    import matplotlib  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = len(gradients)
    drawing = Figure(figsize=(11.0, 2.9 * rows + 0.9), dpi=dpi, layout="constrained")
    FigureCanvasAgg(drawing)
    drawing.suptitle(title, fontsize=11)
    axes = drawing.subplots(rows, 3, squeeze=False)
    for row, gradient in zip(axes, gradients, strict=True):
        _draw_row(row, gradient)
    return drawing


def png(gradients: Sequence[Any], title: str, *, dpi: int = 100) -> bytes:
    """The heatmaps of :func:`figure` as PNG bytes.

    Parameters
    ----------
    gradients : sequence of GradientResult
        Gradients with per-element data.
    title : str
        The figure's title.
    dpi : int
        Resolution.

    Returns
    -------
    bytes
        A PNG file's content.

    Raises
    ------
    ImportError
        matplotlib is not installed.
    """
    buffer = io.BytesIO()
    figure(gradients, title, dpi=dpi).savefig(buffer, format="png")
    return buffer.getvalue()


def _as_2d(values: np.ndarray) -> np.ndarray:
    if values.ndim == 0:
        return values.reshape(1, 1)
    if values.ndim == 1:
        return values.reshape(1, -1)
    return values.reshape(values.shape[0], -1)


def _largest(values: np.ndarray) -> float:
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def _draw_row(axes: Any, gradient: Any) -> None:
    from matplotlib.ticker import MaxNLocator  # lazy: matplotlib is optional

    data = gradient.elements
    analytic = _as_2d(np.asarray(data.analytic, dtype=np.float64))
    numeric = _as_2d(np.asarray(data.numeric, dtype=np.float64))
    verdict = _as_2d(np.asarray(data.verdict))
    difference = analytic - numeric
    limit = _largest(np.concatenate([analytic.ravel(), numeric.ravel()]))
    shape = "x".join(str(n) for n in np.shape(data.analytic))
    status = getattr(gradient, "status", "")
    panels = (
        (analytic, f"{gradient.name} {shape}: analytic (backward)", limit),
        (numeric, "numeric (finite differences)", limit),
        (difference, f"analytic - numeric ({status})", _largest(difference)),
    )
    for ax, (values, title, scale) in zip(axes, panels, strict=True):
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
    for r, c in np.argwhere(verdict == Verdict.WRONG)[:400]:
        axes[2].add_patch(_box(int(c), int(r)))


def _box(col: int, row: int) -> Any:
    from matplotlib.patches import Rectangle  # lazy: matplotlib is optional

    return Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="black", lw=0.8)
