"""What one check runs, and what planning one class gave.

:class:`CheckSpec`: a class, how to build it, what data to feed it. :class:`Planned`: the
checks of one class, or why there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gradcheck.protocol.packing import describe_constant
from gradcheck.targets.classes import Found

__all__ = ["Called", "CheckSpec", "DOMAIN_TEXT", "LABEL_KINDS", "LABEL_TEXT", "Planned"]

LABEL_KINDS = ("sparse", "one_hot", "binary", "continuous")

LABEL_TEXT = {
    "sparse": "sparse labels",
    "one_hot": "one-hot labels",
    "binary": "binary targets",
    "continuous": "continuous targets",
}

DOMAIN_TEXT = {
    "probabilities": "probability rows",
    "unit": "values in (0, 1)",
    "real": "real values",
}


@dataclass
class Called:
    """How a function is called, as a check's ``build``: its arguments and its label.

    ``shown`` (the JSON's ``constructor``) keeps the arguments a reader can read: numbers,
    strings and lists, not arrays or objects.
    """

    arguments: dict[str, Any] = field(default_factory=dict)
    label: str = "default"

    @property
    def shown(self) -> dict[str, Any]:
        """The arguments worth showing."""
        return {k: v for k, v in self.arguments.items()
                if isinstance(v, int | float | str | list)}


@dataclass
class CheckSpec:
    """One check to run: a class, how to build it, and what data to feed it.

    ``labels`` and ``domain`` are set for losses (``domain`` is the ``y_pred`` domain:
    ``"probabilities"``, ``"unit"`` or ``"real"``); ``params`` are the parameter arrays
    whose values are drawn before each check. For a function-side check (``found.subject``
    set), ``build`` says how the function is called (:class:`Called`, or the function
    pairs' ``Arguments``) and ``variant`` is its label.
    """

    found: Found
    build: Any  # a Constructor for a class; Called (or functions.Arguments) for a function
    kind: str
    labels: str | None = None
    domain: str | None = None
    training: bool = False
    params: list[str] = field(default_factory=list)
    input_width: int | None = None
    backward_only: bool = False
    input_shape: tuple[int, ...] | None = None  # per sample, when not a drawn 2-D width
    input_domain: str = "real"  # "real" | "positive" | "ids"
    input_high: int | None = None  # ids are drawn below it
    max_magnitude: float | None = None  # some examples are this large
    failure: str | None = None  # found failed while probing: reported without running
    batch_last: bool = False  # samples on the last axis: inputs (features, n)
    one_sample: bool = False  # backward takes one sample at a time: n is always 1
    #: forward takes one sample with no batch axis (an image (H, W)): checked through
    #: gradcheck.targets.unbatched.with_batch_axis, n always 1
    unbatched: bool = False
    #: several inputs (forward(a, b)): each one's per-sample shape; drawn side by side
    #: as one (n, total) array and given to the check as a tuple
    input_parts: tuple[tuple[int, ...], ...] | None = None
    #: arguments among them that are constants (a mask): (position, name, value)
    input_constants: tuple[tuple[int, str, Any], ...] = ()
    # forward not finite above a magnitude, its outputs bounded: reported apart from the
    # gradient verdict (fails the run only under --strict)
    range_finding: str | None = None

    @property
    def name(self) -> str:
        """The class name."""
        return self.found.name

    @property
    def variant(self) -> str:
        """What distinguishes this check from the class's other checks."""
        parts = [] if self.build.label == "default" else [self.build.label]
        if self.labels is not None:
            parts.append(LABEL_TEXT[self.labels])
        if self.kind == "loss" and self.domain is not None:
            parts.append(f"y_pred {DOMAIN_TEXT[self.domain]}")
        if self.kind in ("loss", "fused") and self.input_width == 1:
            parts.append("y_pred (n, 1): supports one output column")
        if self.training:
            parts.append("training=True")
        if self.backward_only:
            parts.append("forward supplied: softmax + mean CCE")
        if self.input_parts is not None:
            fixed = {position for position, _, _ in self.input_constants}
            names = [n for i, n in enumerate(self.found.inputs) if i not in fixed]
            parts.append(", ".join(
                [f"{name} (n, {', '.join(map(str, shape))})" for name, shape in zip(
                    names, self.input_parts, strict=False)]
                + [f"{name}={describe_constant(value)}"
                   for _, name, value in self.input_constants]))
        elif self.input_shape is not None and len(self.input_shape) != 1:
            parts.append("inputs (n, " + ", ".join(map(str, self.input_shape)) + ")")
        if self.unbatched:
            parts.append("one sample, no batch axis")
        elif self.one_sample:
            parts.append("one sample at a time")
        if self.input_domain == "positive":
            parts.append("positive inputs")
        elif self.input_domain == "ids":
            parts.append(f"integer ids below {self.input_high}")
        return "; ".join(parts) if parts else "default"


@dataclass
class Planned:
    """The outcome of planning one class: checks to run, or why there are none."""

    found: Found
    specs: list[CheckSpec] = field(default_factory=list)
    status: str = "check"  # "check" | "skip" | "error" | "unfinished" (a template)
    reason: str = ""
    notes: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # "one-hot labels: forward raised ..."
