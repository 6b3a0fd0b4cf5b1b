"""A class with ``forward(inputs)`` and ``backward(dvalues, y_true)``: layer or fused loss.

Every layer of some networks takes ``backward(dz, y)`` and ignores ``y``: those are
layers. A public fused softmax + cross-entropy class takes the same signatures, with a
forward that is the softmax alone: its gradient depends on the labels. Probed by calling
backward twice on forward's output with different labels: when the gradient changes and
the output is probability rows (softmax) or values in (0, 1) (sigmoid), the class is
checked as a fused loss (the loss implied by its output,
:mod:`gradcheck.protocol.implied`); otherwise as a layer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.protocol import implied
from gradcheck.protocol.names import DINPUTS_NAMES
from gradcheck.protocol.roles import roles_of
from gradcheck.targets.building import Constructor
from gradcheck.targets.classes import Found
from gradcheck.targets.probe_calls import REJECTED, tries
from gradcheck.targets.specs import CheckSpec

__all__ = ["fused_specs"]

_LABELS = {
    "sparse": (np.array([0, 2, 3]), np.array([1, 0, 2])),
    "one_hot": (np.eye(4)[[0, 2, 3]], np.eye(4)[[1, 0, 2]]),
    "binary": (np.array([[1.0, 0, 1, 1], [0, 1, 1, 0], [0, 0, 1, 0]]),
               np.array([[0.0, 1, 0, 1], [1, 1, 0, 0], [1, 0, 0, 1]])),
}


def _gradient(obj: Any, output: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    returned = tries(obj.backward, output.copy(), labels.copy(), rejected=REJECTED)
    if returned is REJECTED:
        return None
    for name in (*DINPUTS_NAMES, "dz", "grad"):
        value = getattr(obj, name, None)
        if isinstance(value, np.ndarray) and value.shape == output.shape:
            return value.copy()
    if isinstance(returned, np.ndarray) and returned.shape == output.shape:
        return returned.copy()
    return None


def fused_specs(found: Found, build: Constructor, obj: Any) -> list[CheckSpec]:
    """The fused-loss checks of ``obj`` when its backward depends on the labels, or ``[]``."""
    logits = np.random.default_rng(5).normal(size=(3, 4))
    returned = tries(getattr(obj, roles_of(obj).forward), logits.copy(), rejected=REJECTED)
    if returned is REJECTED:
        return []
    output = getattr(obj, "output", None)
    output = returned if isinstance(returned, np.ndarray) else output
    if not isinstance(output, np.ndarray) or output.shape != logits.shape:
        return []
    kind = implied.kind_of(np.asarray(output, dtype=np.float64))
    if kind is None:
        return []
    output = np.asarray(output, dtype=np.float64)
    kinds = ("sparse", "one_hot") if kind == "softmax" else ("binary",)
    taken = []
    for labels in kinds:
        first, second = (_gradient(obj, output, y) for y in _LABELS[labels])
        if first is not None and second is not None and not np.allclose(first, second):
            taken.append(labels)
    if not taken:
        return []
    found.kind = "fused"
    return [CheckSpec(found, build, "fused", labels=k, domain="real") for k in taken]
