"""``gradcheck --plot DIR``: where a gradient is wrong, drawn from the verdict's own data.

For each checked class, one PNG: for the gradients of the check that decided the class
(failing gradients first, then the closest call), the heatmaps of
:mod:`gradcheck.heatmaps` (analytic, numeric, difference; the notebook view draws the
same). The values are the ones a verdict was made from
(:class:`gradcheck.report.Elements`): for a failure, the largest failing example the run
met (a shrunk failure is often 1 x 1); for a pass, the engine's run on the first
non-trivial example.

Needs matplotlib (the ``plot`` extra), imported when a figure is drawn.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gradcheck import heatmaps
from gradcheck.report import PASSED
from gradcheck.targets.runner import ClassResult, run_engine

__all__ = ["plot_report", "plot_result"]


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
    if check is None or report is None:
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
    drawn = heatmaps.drawable(report.gradients)
    if not drawn:
        return None
    title = title or f"{report.name} ({report.kind}): {report.status}"
    heatmaps.figure(drawn, title).savefig(path)
    return path
