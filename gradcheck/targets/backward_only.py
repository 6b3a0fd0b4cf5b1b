"""Fused softmax + cross-entropy classes with a backward and no forward.

The book's chapters 18-22: checked against the forward they imply, supplied by a wrapper
that never fails on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradcheck.targets.building import constructors
from gradcheck.targets.classes import Found, positional_counts, signature_params
from gradcheck.targets.specs import CheckSpec, Planned

__all__ = ["plan_backward_only", "wrap_backward_only"]


def _gradient_names(name: str) -> tuple[str, ...]:
    return ("d" + name, "d_" + name, "d" + name[:1].upper() + name[1:])


class _SoftmaxCrossentropyForward:
    """Supplies the forward a backward-only fused class implies: softmax, then mean CCE."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def forward(self, inputs: np.ndarray, y_true: np.ndarray) -> float:
        shifted = inputs - np.max(inputs, axis=1, keepdims=True)
        exp = np.exp(shifted)
        self.output = exp / np.sum(exp, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        if y_true.ndim == 1:
            confidences = clipped[np.arange(len(clipped)), y_true]
        else:
            confidences = np.sum(clipped * y_true, axis=1)
        return float(np.mean(-np.log(confidences)))

    def backward(self, dvalues: np.ndarray, y_true: np.ndarray) -> None:
        # The wrapper never fails on its own: whatever the user's backward left (under
        # any of the usual names, or returned) is passed on; nothing at all is reported
        # by the check as a missing dinputs, never as a crash of this wrapper.
        returned = self.inner.backward(dvalues, y_true)
        for name in _gradient_names("inputs"):
            value = getattr(self.inner, name, None)
            if isinstance(value, np.ndarray):
                self.dinputs = value
                return
        if isinstance(returned, np.ndarray):
            self.dinputs = returned


def wrap_backward_only(cls: type, obj: Any) -> Any:
    """Wrap a backward-only softmax + cross-entropy object with the forward it implies."""
    wrapper_cls = type(cls.__name__, (_SoftmaxCrossentropyForward,), {})
    return wrapper_cls(obj)


def plan_backward_only(found: Found, config: dict[str, list[dict[str, Any]]]) -> Planned:
    """The checks of a backward-only fused class: sparse and one-hot labels, per build."""
    builds, reason = constructors(found.cls, config.get(found.cls.__name__))
    if reason is not None:
        return Planned(found, status="skip", reason=reason)
    cls: Any = found.cls  # the user's class (its methods are not known to the types)
    b_params = signature_params(cls.backward)
    if b_params is None or positional_counts(b_params[1:])[0] != 2:
        return Planned(found, status="skip", reason=found.reason)
    note = ("no forward: checked against softmax followed by the mean categorical "
            "cross-entropy (clipped at 1e-7, as in the book)")
    specs = [
        CheckSpec(found, build, "fused", labels=k, domain="real", backward_only=True)
        for build in builds for k in ("sparse", "one_hot")
    ]
    return Planned(found, specs=specs, notes=[note])
