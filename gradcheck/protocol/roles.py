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

The learning rate may stand anywhere, recognised by its name (``backwardpass(lr, X,
delta)``, ``backward(x, grad, eta)``); a backward that is given forward's input again
beside the upstream gradient (it keeps nothing from forward) gets the input forward was
called with. Which argument is which is the :attr:`Roles.layout`.
"""

from __future__ import annotations

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

from gradcheck.protocol.labels import LABEL_NAMES

__all__ = ["INPUT_ARGUMENT_NAMES", "LEARNING_RATE_NAMES", "RESET_NAMES", "Roles",
           "backward_layout", "method_names", "reset_method", "roles_of",
           "takes_learning_rate", "takes_no_argument"]

_FORWARD = re.compile(r"_*(forward|forward_?prop(agation|agate)?|forward_?pass|fprop|"
                      r"feed_?forward|propagate_?forward)", re.I)
_BACKWARD = re.compile(r"_*(backward|backward_?prop(agation|agate)?|backward_?pass|bprop|"
                       r"back_?prop(agation|agate)?|propagate_?backward)", re.I)
#: names of a backward argument that is a learning rate (the update happens inside)
LEARNING_RATE_NAMES = frozenset({
    "learning_rate", "lr", "eta", "alpha", "learningrate", "learning_rate_", "rate",
    "step_size", "stepsize", "l_rate", "lrate",
})
#: names of a backward argument that is forward's input given again (``backwardpass(lr, X,
#: delta)``): the other one is the upstream gradient
INPUT_ARGUMENT_NAMES = frozenset({
    "x", "inputs", "input", "input_data", "x_in", "a_prev", "aprev", "a_in", "prev",
    "prev_a", "prev_activation", "prev_activations", "activation", "activations",
    "layer_input", "inp", "data", "features",
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
    layout : tuple of str
        Backward's positional arguments by role (``"grad"``, ``"rate"``, ``"input"``)
        when they are not the upstream gradient first (``backwardpass(lr, X, delta)``:
        ``("rate", "input", "grad")``); empty for ``backward(grad[, learning_rate])``.
    signature : str
        Backward's own argument names, for the report (``lr, X, delta``).
    """

    forward: str = "forward"
    backward: str = "backward"
    learning_rate: bool = False
    reset: str | None = None
    takes_nothing: bool = False
    layout: tuple[str, ...] = ()
    signature: str = ""

    def backward_arguments(self, grads: tuple[Any, ...], rate: float,
                           inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        """Backward's positional arguments for the upstream gradient(s) ``grads``.

        ``rate`` goes where the learning rate is; forward's ``inputs`` (fresh copies)
        where backward takes them again.
        """
        if not self.layout:
            if self.learning_rate:
                return (grads[0], rate, *grads[1:])
            return () if self.takes_nothing else grads
        out: list[Any] = []
        for role in self.layout:
            if role == "rate":
                out.append(rate)
            elif role == "input":
                out.append(_fresh(inputs[0]) if inputs else None)
            else:
                out.append(grads[0])
        return (*out, *grads[1:])

    @property
    def book(self) -> bool:
        """The book's own spelling: nothing to say in a report."""
        return self.forward == "forward" and self.backward == "backward"

    def call_text(self) -> str:
        """How backward is called, for the report: ``backwardpass(lr, X, delta) (X: ...)``."""
        if not self.layout:
            return f"{self.backward}(grad, learning_rate)"
        names = self.signature.split(", ")
        given = [name for name, role in zip(names, self.layout, strict=False)
                 if role == "input"]
        again = f" ({given[0]}: forward's input, given again)" if given else ""
        return f"{self.backward}({self.signature}){again}"


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


def _fresh(value: Any) -> Any:
    copy = getattr(value, "copy", None)
    return copy() if callable(copy) else value


def _positional(function: Any) -> list[inspect.Parameter]:
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in params if p.kind in kinds]
    if positional and positional[0].name == "self":
        positional = positional[1:]
    return positional


def _gradient_like(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("d", "grad", "err", "output_")) and lowered not in \
        INPUT_ARGUMENT_NAMES


def backward_layout(function: Any) -> tuple[tuple[str, ...], str]:
    """Backward's arguments by role when the upstream gradient does not come first.

    The learning rate is found by its name wherever it stands; with two other required
    arguments, the one named as an input (``X``, ``inputs``, ``a_prev``) is forward's
    input given again and the other the upstream gradient. ``((), "")`` for
    ``backward(grad[, learning_rate, ...])`` and for any argument list that names do not
    settle.
    """
    positional = _positional(function)
    rates = [i for i, p in enumerate(positional) if p.name.lower() in LEARNING_RATE_NAMES]
    if not rates:
        return (), ""
    rate = rates[0]
    others = [i for i, p in enumerate(positional)
              if i != rate and p.default is inspect.Parameter.empty]
    if rate == 1 and len(others) == 1 and others[0] == 0:
        return (), ""  # backward(grad, learning_rate): the usual order
    if any(positional[i].name.lower() in LABEL_NAMES for i in others):
        return (), ""  # (labels among them: backward(dvalues, y_true, lr) is a loss's)
    layout: dict[int, str] = {rate: "rate"}
    if len(others) == 1:
        layout[others[0]] = "grad"
    elif len(others) == 2:
        inputs = [i for i in others if positional[i].name.lower() in INPUT_ARGUMENT_NAMES]
        if len(inputs) != 1:
            inputs = [i for i in others if not _gradient_like(positional[i].name)]
        if len(inputs) != 1:
            return (), ""
        layout[inputs[0]] = "input"
        layout[next(i for i in others if i != inputs[0])] = "grad"
    else:
        return (), ""
    if sorted(layout) != list(range(len(layout))):
        return (), ""  # (an argument with a default before a required one)
    return (tuple(layout[i] for i in range(len(layout))),
            ", ".join(positional[i].name for i in range(len(layout))))


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
    method = getattr(cls, backward, None)
    layout, signature = backward_layout(method)
    lr = takes_learning_rate(method) or "rate" in layout
    return Roles(forward, backward, lr, reset_method(cls), takes_no_argument(method), layout,
                 signature)


def takes_no_argument(function: Any) -> bool:
    """Whether ``function(self)`` takes nothing else (a loss's ``backward()``)."""
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return False
    if params and params[0].name == "self":
        params = params[1:]
    return not params
