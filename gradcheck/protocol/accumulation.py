"""Gradients that accumulate across backward calls, with no reset method to call.

A class that keeps ``self.dweights = np.zeros(...)`` from its constructor and adds
``self.dweights += ...`` in backward, with no method of its own that resets it
(``zero_grad``, ``flush_gradients``: :mod:`gradcheck.protocol.roles`), gives a right
gradient on its first backward only: in the NNFS protocol nothing ever resets it, so
every later backward is wrong, and the check fails. What each backward *adds* (its
increment) is still a gradient of its own, checked against finite differences like any
other, so that the report can say whether the arithmetic is right too.

Observed, never read from the names: three backward calls on the same data add the same
amount each time (a cache filled once changes once, then stays).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradcheck.report import FAILED, PASSED, GradientResult

__all__ = ["increment", "increments", "problem", "report_rows"]


def increment(first: Any, second: Any, third: Any, eps: float) -> np.ndarray | None:
    """What one backward adds, when ``first``, ``second``, ``third`` grow by it each time.

    The values a gradient took after three backward calls on the same data; ``None``
    unless the two steps are one and the same non-zero array (within rounding of the
    accumulated values).
    """
    arrays = [np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else None
              for v in (first, second, third)]
    if any(a is None for a in arrays):
        return None
    a, b, c = arrays
    assert a is not None and b is not None and c is not None
    if not (a.shape == b.shape == c.shape) or not np.all(np.isfinite(c)):
        return None
    step, again = b - a, c - b
    scale = float(np.max(np.abs(c))) if c.size else 0.0
    if not np.any(np.abs(step) > 1e3 * eps * scale):
        return None
    if np.any(np.abs(again - step) > 1e3 * eps * scale + 1e-300):
        return None
    return step


def increments(grads: Mapping[str, Any], rows: Sequence[GradientResult],
               again: Callable[[], Mapping[str, Any]], eps: float) -> dict[str, np.ndarray]:
    """Fast mode: the failed gradients that accumulate, each with its increment.

    Exhaustive mode finds accumulation before verifying, in its repeated pass; fast mode
    has no repeated pass, so a gradient summed across calls fails on numbers alone. Asked
    after the verification, only when a gradient in ``grads`` (the first pass's) failed
    in ``rows``: ``again()`` is one more forward and backward on the same data, called
    twice, and a gradient that grows by one and the same step each time accumulates
    (:func:`increment`). A check where nothing failed costs nothing.
    """
    failed = [row.name for row in rows
              if row.status == FAILED and isinstance(grads.get(row.name), np.ndarray)]
    if not failed:
        return {}
    second, third = again(), again()
    steps = {name: increment(grads[name], second.get(name), third.get(name), eps)
             for name in failed}
    return {name: step for name, step in steps.items() if step is not None}


def problem(name: str, increment: GradientResult, reset_names: Sequence[str]) -> str:
    """The report's words for an accumulated gradient, with its increment's verdict."""
    resets = ", ".join(f"{n}()" for n in reset_names[:2])
    text = (f"accumulates across backward calls (+=) and the class has no reset method "
            f"({resets}, ...): every backward after the first gives a wrong {name}. Assign "
            f"it (=) in backward, or add a reset method that the training loop calls")
    if increment.status == PASSED:
        return text + "; the increment (what one backward adds) is right"
    why = increment.diagnosis or increment.describe()
    return text + f"; the increment (what one backward adds) is wrong too: {why}"


def report_rows(rows: list[GradientResult], names: Sequence[str],
                reset_names: Sequence[str]) -> None:
    """Each accumulated gradient as two rows: failed as delivered, and its increment.

    The row the numeric check gave (of the increment) is renamed ``<name> (increment)``;
    before it, ``<name>`` is failed with the reason (a protocol finding, not compared).
    """
    for index, row in reversed(list(enumerate(rows))):
        if row.name not in names:
            continue
        name = row.name
        row.name = f"{name} (increment)"
        rows.insert(index, GradientResult(name, FAILED, diagnosis=problem(
            name, row, reset_names)))
