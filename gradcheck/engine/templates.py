"""Unfinished templates among layers and losses: ``unfinished``, never passed, never an error.

A course's template class leaves its work to the student: a ``backward`` that is only
``pass`` (or ``# TODO``), that raises ``NotImplementedError``, that sets
``self.dinputs = np.zeros_like(dvalues)`` and stops there; a ``forward`` that does
nothing yet. Checked, such a class fails (no gradient set, all zeros) or raises. Where
the check's outcome is one a template gives and the method's source says template
(:func:`gradcheck.protocol.source.unfinished_method`), :func:`judge_template` turns the
verdict into ``unfinished``, as for functions (:mod:`gradcheck.engine.function_run`).

A finished class with a real bug never becomes ``unfinished``: a gradient with a
non-zero wrong value, or an exception other than ``NotImplementedError``, keeps its
verdict, whatever comments the source holds. An abstract base is not checked at all
(the targets' discovery ignores it); an object given to ``check_layer`` is concrete.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.protocol.roles import method_names
from gradcheck.protocol.source import unfinished_method
from gradcheck.report import ERROR, FAILED, MISSING, UNFINISHED, Report

__all__ = ["judge_template", "template_reasons"]


def template_reasons(cls: type) -> list[str]:
    """Why ``cls``'s backward and forward look unfinished (backward first)."""
    forward, backward = method_names(cls)
    reasons = [unfinished_method(cls, m) for m in (backward, forward) if m is not None]
    return [r for r in reasons if r is not None]


def _all_zero(gradient: Any) -> bool:
    elements = gradient.elements
    return elements is not None and not np.any(elements.analytic)


def _like_a_template(report: Report) -> bool:
    """The outcome a template gives: nothing wrong but missing or all-zero gradients."""
    if report.status == ERROR:
        return any("NotImplementedError" in p for p in report.problems[:1])
    if report.status != FAILED:
        return False
    bad = [g for g in report.gradients if g.status in (FAILED, MISSING)]
    if any(g.status == FAILED and not _all_zero(g) for g in bad):
        return False  # a computed gradient that is wrong: a bug, not a template
    if report.problems:
        # no output (a forward that does nothing), or no gradient at all
        return not bad or all(g.status == MISSING or _all_zero(g) for g in bad)
    return bool(bad)


def judge_template(report: Report, obj: Any) -> None:
    """Make ``report`` ``unfinished`` when ``obj`` is an unfinished template."""
    if report.status not in (FAILED, ERROR) or not _like_a_template(report):
        return
    cls = obj if isinstance(obj, type) else type(obj)
    reasons = template_reasons(cls)
    if report.status == ERROR:  # only a method that is nothing but the raise
        reasons = [r for r in reasons if r.endswith("raises NotImplementedError")]
    if not reasons:
        return
    why = reasons[0]
    report.status = UNFINISHED
    report.problems.insert(0, f"an unfinished template: {why} (fill it in, then check "
                              "again)")
