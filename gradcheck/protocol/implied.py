"""The loss a fused class implies when its forward is the activation alone.

A public fused softmax + cross-entropy class often has ``forward(inputs)`` returning the
softmax and ``backward(dvalues, y_true)`` returning the gradient of the loss with respect
to the logits. Its forward takes no labels, so the loss it differentiates is implied by
its output: the mean categorical cross-entropy of probability rows (softmax), or the mean
binary cross-entropy of every element of outputs in (0, 1) (sigmoid). The user's forward
is called; only the loss on top of it is supplied (clipped at 1e-7 as in the book).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from gradcheck.protocol.roles import roles_of

__all__ = ["CLIP", "DESCRIPTION", "forward_takes_labels", "implied_loss", "kind_of"]

CLIP = 1e-7


def forward_takes_labels(obj: Any) -> bool:
    """Whether ``obj.forward`` takes a second positional argument (the labels)."""
    try:
        forward = getattr(obj, roles_of(obj).forward)
    except (TypeError, ValueError, AttributeError):
        return True
    function = getattr(forward, "__func__", None)
    if not (getattr(forward, "__self__", None) is obj and inspect.isfunction(function)):
        return _takes_two(forward)
    # a method of the class: the bound method's signature read once per function (and
    # its code: a class redefined or changed in a notebook brings new ones), not on every
    # check; it is the same for every object the function is bound to
    key = (function, function.__code__)
    known = _BOUND.get(key)
    if known is None:
        if len(_BOUND) >= 1024:
            _BOUND.clear()
        known = _BOUND[key] = _takes_two(forward)
    return known


# (function, its code) -> whether the method bound to an object takes two positionals
_BOUND: dict[tuple[Any, Any], bool] = {}


def _takes_two(forward: Any) -> bool:
    try:
        params = list(inspect.signature(forward).parameters.values())
    except (TypeError, ValueError):
        return True
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        return True
    return len([p for p in params if p.kind in kinds]) >= 2


def kind_of(output: np.ndarray) -> str | None:
    """``"softmax"`` (rows sum to 1), ``"sigmoid"`` (values in (0, 1)) or ``None``."""
    if output.ndim != 2 or output.dtype.kind != "f" or not np.all(np.isfinite(output)):
        return None
    if np.all(output >= 0) and np.allclose(output.sum(axis=1), 1.0, rtol=0, atol=1e-6):
        return "softmax"
    if np.all(output > 0) and np.all(output < 1):
        return "sigmoid"
    return None


def implied_loss(kind: str, output: np.ndarray, y: np.ndarray) -> float:
    """The mean loss of ``output`` for labels ``y`` under the implied reading."""
    p = np.clip(np.asarray(output, dtype=np.float64), CLIP, 1 - CLIP)
    if kind == "softmax":
        if y.ndim == 1:
            confidences = p[np.arange(len(p)), y.astype(np.int64)]
        else:
            confidences = np.sum(p * y, axis=1)
        return float(np.mean(-np.log(confidences)))
    target = y.reshape(p.shape)
    return float(np.mean(-(target * np.log(p) + (1 - target) * np.log(1 - p))))


DESCRIPTION = {
    "softmax": "its forward returns the softmax alone and its backward takes the labels: "
               "checked as the gradient of the mean categorical cross-entropy of forward's "
               "output (clipped at 1e-7), with respect to the logits",
    "sigmoid": "its forward returns the sigmoid alone and its backward takes the labels: "
               "checked as the gradient of the mean binary cross-entropy of forward's "
               "output (clipped at 1e-7), with respect to the logits",
}
