"""The protocol checks: what one forward and backward pass must not do, one function each.

Each check reads a :class:`Pass` (what went in, what came out, what changed) and returns
the problems it found, as sentences a person can act on. A new rule is one more function
in :data:`CHECKS`; the zoo holds a bug and a correct twin for each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CHECKS",
    "Pass",
    "backward_keeps_dvalues",
    "backward_keeps_forwards_input",
    "backward_keeps_labels",
    "forward_keeps_its_argument",
    "parameters_change_only_in_the_optimizer",
    "problems",
]


@dataclass
class Pass:
    """One forward and backward pass on the caller's data, as the checks see it.

    ``inputs``: the array given to forward (the caller's, as forward received it);
    ``inputs_after_forward`` / ``inputs_after_backward``: copies taken after each call;
    ``dvalues`` / ``dvalues_after``: the upstream gradient before and after backward;
    ``labels`` / ``labels_after``: the same for a loss's ``y_true``;
    ``changed``: parameter label -> the method that changed it in place (or rebound it to
    other values).
    """

    input_name: str
    inputs: np.ndarray
    inputs_after_forward: np.ndarray
    inputs_after_backward: np.ndarray | None = None
    dvalues: np.ndarray | None = None
    dvalues_after: np.ndarray | None = None
    labels: np.ndarray | None = None
    labels_after: np.ndarray | None = None
    changed: dict[str, str] = field(default_factory=dict)


def _same(a: Any, b: Any) -> bool:
    """Bit for bit the same contents (NaN included), or nothing to compare."""
    if a is None or b is None or a is b:
        return True
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def forward_keeps_its_argument(p: Pass) -> list[str]:
    """Forward must not write into the array it is given."""
    if _same(p.inputs, p.inputs_after_forward):
        return []
    return [f"forward modified its {p.input_name} argument in place (the caller's array "
            "would change)"]


def backward_keeps_forwards_input(p: Pass) -> list[str]:
    """Backward must not write into the array forward was given (the previous layer's output)."""
    if _same(p.inputs_after_forward, p.inputs_after_backward):
        return []
    return [f"backward modified the {p.input_name} forward was given (self.inputs, the "
            "previous layer's output) in place: copy before changing it"]


def backward_keeps_dvalues(p: Pass) -> list[str]:
    """Backward must not write into its ``dvalues`` argument."""
    if _same(p.dvalues, p.dvalues_after):
        return []
    return ["backward modified its dvalues argument in place (e.g. self.dinputs = dvalues "
            "followed by an in-place update): copy it first"]


def backward_keeps_labels(p: Pass) -> list[str]:
    """A loss's backward must not write into ``y_true``."""
    if _same(p.labels, p.labels_after):
        return []
    return ["backward modified its y_true argument in place"]


def parameters_change_only_in_the_optimizer(p: Pass) -> list[str]:
    """Forward and backward must not change trainable parameters (an optimizer step)."""
    problems = []
    for method in ("forward", "backward"):
        labels = [label for label, m in p.changed.items() if m == method]
        if labels:
            problems.append(
                f"{method} modified {', '.join(f'self.{n}' for n in labels)} (an optimizer "
                f"step inside {method}?): parameters should change only in the optimizer"
            )
    return problems


CHECKS: tuple[Callable[[Pass], list[str]], ...] = (
    forward_keeps_its_argument,
    backward_keeps_forwards_input,
    backward_keeps_dvalues,
    backward_keeps_labels,
    parameters_change_only_in_the_optimizer,
)


def problems(p: Pass) -> list[str]:
    """Every protocol problem of one pass, in the order of :data:`CHECKS`."""
    return [problem for check in CHECKS for problem in check(p)]
