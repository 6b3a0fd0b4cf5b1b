"""What :func:`gradcheck.engine.numerics.compare` needs beyond single-coordinate moves.

Built from a :class:`~gradcheck.protocol.subject.Subject` for one variable (the inputs or
a parameter): an evaluator moving several coordinates at once (the joint kink test of
:mod:`gradcheck.engine.kinks`), the groups kinks are judged jointly in (one sample's row
of ``dinputs``; one parameter), and the magnitude of the intermediate results forward can
compute from each input (the rounding-noise cap for cancellation inside forward).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

from gradcheck.protocol.subject import LayerSubject, Subject

__all__ = ["STACK_BUDGET", "joint_kinks"]

STACK_BUDGET = 1_000_000  # array elements per stacked forward call


def joint_kinks(
    subject: Subject, variable: Any, x: np.ndarray, rowwise: bool = False,
    rows_apart: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``compare``: ``at_direction``, ``groups``, ``intermediate``.

    ``variable`` has ``value`` (the array differentiated by) and ``param`` (its name, or
    ``None`` for the inputs). ``rowwise``: the rows were verified independent, so that
    several moved copies of the batch can be stacked into one forward call.
    ``rows_apart``: asked only when a parameter's kinks are judged, whether the rows are
    independent (a probe, cached by the caller); then the evaluator returns one
    objective term per row, and a parameter's kink is judged as the sum of the rows'
    kinks (a bias shared by rows whose ReLU units sit at their kinks at offsets
    finer than the step).
    """
    value, param = variable.value, variable.param
    # rows are stacked only for subjects taking an upstream gradient (layers: per-row outputs)
    layer = cast(LayerSubject, subject)

    def cotangent() -> np.ndarray:
        assert subject.dvalues is not None  # (asked only where forward has dvalues)
        return subject.dvalues

    base: list[np.ndarray] = []

    def stacked(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        # copy k of the batch carries move k; each copy's objective from its own rows, as
        # its change from the unmoved batch (taken output by output, before summing)
        n = value.shape[0]
        if not base:
            base.append(layer.row_outputs(value.copy()))
        rows_of = index // (value.size // n)
        if np.all(rows_of == rows_of[0]):
            return _one_row(int(rows_of[0]), index, steps)
        per_call = max(1, STACK_BUDGET // max(1, value.size))
        out = np.empty(steps.shape[0])
        for lo in range(0, steps.shape[0], per_call):
            part = steps[lo : lo + per_call]
            copies = np.repeat(value[None], part.shape[0], axis=0)
            flat = copies.reshape(part.shape[0], -1)
            flat[:, index] += part
            rows = layer.row_outputs(copies.reshape(-1, *value.shape[1:]))
            rows = rows.reshape(part.shape[0], n, -1)
            moved = rows - base[0][None]
            out[lo : lo + part.shape[0]] = np.einsum("knm,nm->k", moved, cotangent())
        return out

    def _one_row(r: int, index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        # every move stays in row r, and rows are independent: only copies of that row
        # are evaluated, the other rows' objective terms do not change
        size = value.size // value.shape[0]
        cols = index - r * size
        per_call = max(1, STACK_BUDGET // max(1, size))
        out = np.empty(steps.shape[0])
        for lo in range(0, steps.shape[0], per_call):
            part = steps[lo : lo + per_call]
            copies = np.repeat(value[r : r + 1], part.shape[0], axis=0)
            copies.reshape(part.shape[0], -1)[:, cols] += part
            moved = layer.row_outputs(copies) - base[0][r][None]
            out[lo : lo + part.shape[0]] = moved @ cotangent()[r]
        return out

    def at_direction(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        if rowwise and param is None and subject.takes_upstream_gradient \
                and not subject.regularized:
            return stacked(index, steps)
        out = np.empty(steps.shape[0])
        for k, step in enumerate(steps):
            point = value.copy()
            point.reshape(-1)[index] += step
            if param is None:
                out[k] = subject.total(point)[0]
            else:
                out[k] = subject.total_with(x, {param: point})[0]
        return out

    def per_row_terms(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        # one column per row's sum(dvalues * output), and one for the rest (regularization)
        dvalues = cotangent()
        out = np.empty((steps.shape[0], dvalues.shape[0] + 1))
        for k, step in enumerate(steps):
            point = value.copy()
            point.reshape(-1)[index] += step
            with subject.replaced({param: point}):
                output = subject.forward(x)
            terms = dvalues * np.asarray(output, np.float64).reshape(dvalues.shape)
            out[k, :-1] = terms.sum(axis=1)
            out[k, -1] = sum(subject.reg_value(label, point if label == param else held)
                             for label, held in subject.params.items() if label in subject.reg)
        return out

    def by_rows(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
        return per_row_terms(index, steps) if apart() else at_direction(index, steps)

    decided: list[bool] = []

    def apart() -> bool:
        if not decided:
            assert rows_apart is not None  # (by_rows is used only when it is given)
            decided.append(bool(rows_apart()))
        return decided[0]

    options: dict[str, Any] = {}
    if param is None and subject.takes_upstream_gradient and subject.dvalues is not None:
        dvalues = subject.dvalues
        # (computed only if compare measures some element's noise)
        options["intermediate"] = lambda: np.abs(value) * float(np.max(np.abs(dvalues)))
    if rowwise and param is None and subject.takes_upstream_gradient \
            and _elementwise(subject, value):
        # each output depends on its own input alone: the objective is separable in the
        # kinked coordinates, and the element-wise verdicts are exact
        return options
    options["at_direction"] = at_direction
    if (param is not None and rows_apart is not None and subject.takes_upstream_gradient
            and subject.per_row and not subject.pin.draws and subject.dvalues is not None
            and subject.dvalues.ndim == 2 and subject.dvalues.shape[0] > 1):
        by_rows.per_row = apart  # type: ignore[attr-defined]
        options["at_direction"] = by_rows
    if param is None and value.ndim >= 2 and value.shape[0] > 0:
        options["groups"] = np.arange(value.size) // (value.size // value.shape[0])
    return options


def _elementwise(subject: Subject, value: np.ndarray) -> bool:
    """Whether output element ``j`` of a row depends on input element ``j`` alone.

    Probed on the first and the last row (rows were verified independent): each input
    element moved in its own copy of the row must move its own output element only.
    """
    n = value.shape[0]
    size = value.size // n
    if size > 256:  # (size copies of a row: at most 65,536 elements, half a megabyte)
        return False
    try:
        # one call: per probed row, the row itself, then one copy per input element moved
        rows = list(dict.fromkeys((0, n - 1)))
        stacked = np.repeat(value[rows], size + 1, axis=0)
        flat = stacked.reshape(len(rows), -1)  # per probed row: its size + 1 copies
        # copy 1 + j moves element j: flat positions size + j (size + 1), a strided view
        flat[:, size :: size + 1] += 1e-3 * np.maximum(1.0, np.abs(flat[:, :size]))
        out = cast(LayerSubject, subject).row_outputs(stacked)
        if out.shape != (len(rows) * (size + 1), size):
            return False
        out = out.reshape(len(rows), size + 1, size)
        moved = (out[:, 1:] != out[:, :1]).reshape(len(rows), -1)
        moved[:, :: size + 1] = False  # (each copy's own output may move)
        if moved.any():
            return False
    except Exception:  # noqa: BLE001 - a probe only: anything odd means "not elementwise"
        return False
    return True
