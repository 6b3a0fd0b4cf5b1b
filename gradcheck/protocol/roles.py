"""Which methods play forward and backward, and what backward's extra arguments are.

The book's ``forward`` / ``backward`` come first. Code from other tutorials spells them
``forward_propagation`` / ``backward_propagation``, ``forwardpass`` / ``backwardpass``,
``fprop`` / ``bprop`` or keeps ``forward`` beside a ``backprop``: those names are hints,
tried only when the book's names are absent, and the check itself then confirms (or not)
that the pair behaves as forward and backward.

A backward whose second positional argument is a learning rate (``backward(output_gradient,
learning_rate)``, the most copied from-scratch tutorials) applies the parameter update
itself: the engine calls it at learning rate 0 for the input gradient and reads the
parameter gradients from the update (:mod:`gradcheck.engine.run`).
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["LEARNING_RATE_NAMES", "RESET_NAMES", "Roles", "method_names", "reset_method",
           "roles_of", "takes_learning_rate", "takes_no_argument"]

_FORWARD = re.compile(r"_*(forward|forward_?prop(agation|agate)?|forward_?pass|fprop|"
                      r"feed_?forward|propagate_?forward)", re.I)
_BACKWARD = re.compile(r"_*(backward|backward_?prop(agation|agate)?|backward_?pass|bprop|"
                       r"back_?prop(agation|agate)?|propagate_?backward)", re.I)
#: names of a backward argument that is a learning rate (the update happens inside)
LEARNING_RATE_NAMES = frozenset({
    "learning_rate", "lr", "eta", "alpha", "learningrate", "learning_rate_", "rate",
    "step_size", "stepsize", "l_rate", "lrate",
})
#: the class's own method that resets accumulated gradients, most usual first
RESET_NAMES = ("zero_grad", "zero_grads", "zero_gradients", "flush_gradients",
               "flush_grads", "reset_gradients", "reset_grads", "reset_grad", "clear_grads",
               "clear_gradients", "clear_grad", "zerograd")


@dataclass(frozen=True)
class Roles:
    """How to call an object's forward and backward.

    Attributes
    ----------
    forward, backward : str
        The method names (``forward``, ``forward_propagation``, ...).
    learning_rate : bool
        Backward takes a learning rate after the upstream gradient and updates the
        parameters itself.
    reset : str or None
        The class's own method that resets accumulated gradients (``zero_grad``).
    takes_nothing : bool
        Backward takes no argument: it reads what forward stored (a loss's
        ``backward()`` returning the gradient of the predictions it was given).
    """

    forward: str = "forward"
    backward: str = "backward"
    learning_rate: bool = False
    reset: str | None = None
    takes_nothing: bool = False

    @property
    def book(self) -> bool:
        """The book's own spelling: nothing to say in a report."""
        return self.forward == "forward" and self.backward == "backward"


def _methods(cls: type, pattern: re.Pattern[str]) -> list[str]:
    found = []
    for name in dir(cls):
        if name.startswith("__") or not pattern.fullmatch(name):
            continue
        if callable(inspect.getattr_static(cls, name, None)):
            found.append(name)
    return sorted(found, key=lambda n: (n.lstrip("_") not in ("forward", "backward"), len(n)))


@functools.lru_cache(maxsize=1024)
def method_names(cls: type) -> tuple[str | None, str | None]:
    """The forward and backward methods of ``cls`` (``None`` where there is none)."""
    forward = "forward" if callable(inspect.getattr_static(cls, "forward", None)) else None
    backward = "backward" if callable(inspect.getattr_static(cls, "backward", None)) else None
    if forward is None:
        forward = next(iter(_methods(cls, _FORWARD)), None)
    if backward is None:
        backward = next(iter(_methods(cls, _BACKWARD)), None)
    return forward, backward


def takes_learning_rate(function: Any) -> bool:
    """Whether ``function(grad, learning_rate)``: its second positional is a learning rate."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    if positional and positional[0].name == "self":
        positional = positional[1:]
    return len(positional) >= 2 and positional[1].name.lower() in LEARNING_RATE_NAMES


def reset_method(cls: type) -> str | None:
    """The class's own gradient-reset method (``zero_grad``, ``flush_gradients``), if any."""
    for name in RESET_NAMES:
        if callable(getattr(cls, name, None)):
            return name
    return None


def roles_of(obj: Any) -> Roles:
    """The roles of ``obj`` (an instance or a class); book names when nothing else fits."""
    return _roles_of_class(obj if isinstance(obj, type) else type(obj))


@functools.lru_cache(maxsize=1024)
def _roles_of_class(cls: type) -> Roles:
    forward, backward = method_names(cls)
    forward, backward = forward or "forward", backward or "backward"
    lr = takes_learning_rate(getattr(cls, backward, None))
    return Roles(forward, backward, lr, reset_method(cls),
                 takes_no_argument(getattr(cls, backward, None)))


def takes_no_argument(function: Any) -> bool:
    """Whether ``function(self)`` takes nothing else (a loss's ``backward()``)."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if params and params[0].name == "self":
        params = params[1:]
    return not params
