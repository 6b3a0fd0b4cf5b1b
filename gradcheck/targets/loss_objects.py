"""Loss objects whose one call returns ``(loss, grad)``: ``loss, dscores = criterion(scores, y)``.

Course code often writes a loss as a class with no forward and backward: its
``__call__(scores, y)`` (or a ``loss(x, y)`` method of a plain object) returns the loss
and the gradient of the prediction together. Such a method is checked as the loss
function it is (:func:`gradcheck.check_function` with ``backward=None``), bound to an
instance built with its constructor's defaults. A class qualifies when:

- it has neither ``forward`` nor ``backward`` (those are classes: layers and losses);
- its ``__call__`` or ``loss`` takes two required arguments (a prediction and a target)
  and its source returns a tuple whose first element is not a gradient and whose others
  include one (``return loss, dscores``), as for functions
  (:mod:`gradcheck.targets.returning`);
- built with no arguments, it holds no float array: one holding weights (``self.W``) is
  a model whose ``loss(X, y)`` gives the weights' gradient
  (:mod:`gradcheck.targets.models`).
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterator
from typing import Any

from gradcheck.protocol.derivative import required_names
from gradcheck.protocol.places import float_arrays
from gradcheck.protocol.source import (
    SHORT_GRADIENT_NAMES,
    gradient_for,
    looks_like_gradient,
    returned_names,
)
from gradcheck.targets.loading import quiet

__all__ = ["METHOD_NAMES", "loss_methods"]

#: the methods that return ``(loss, grad)``, in the order they are looked for
METHOD_NAMES = ("__call__", "loss")


def _returns_gradient(method: Callable[..., Any]) -> bool:
    """``return loss, dscores``: a gradient by its name, or ``d`` + an argument's name."""
    shown = returned_names(method, SHORT_GRADIENT_NAMES)
    if shown is None or len(shown) < 2 or looks_like_gradient(shown[0]):
        return False
    arguments = required_names(method) or []
    return any(n is not None and (looks_like_gradient(n) or n in SHORT_GRADIENT_NAMES
                                  or any(gradient_for(n, a) for a in arguments))
               for n in shown[1:])


def _method(cls: type) -> Callable[..., Any] | None:
    """The class's ``__call__`` or ``loss`` returning ``(loss, grad)`` of two arguments."""
    if hasattr(cls, "forward") or hasattr(cls, "backward"):
        return None
    for name in METHOD_NAMES:
        method = getattr(cls, name, None)
        if not inspect.isfunction(method) or method.__qualname__.split(".")[0] == "object":
            continue
        if len(required_names(method) or ()) == 3 and _returns_gradient(method):  # self, 2
            return method
    return None


def _built(cls: type) -> Any:
    """An instance from the constructor's defaults, or None (arguments needed, or raised)."""
    try:
        with quiet(io.StringIO()):
            return cls()
    except Exception:  # noqa: BLE001 - a class that needs arguments: not claimed here
        return None


def loss_methods(module: Any) -> Iterator[tuple[type, Callable[..., Any]]]:
    """Each class of ``module`` checked as a loss function, with its bound method.

    Parameters
    ----------
    module : module
        A module of the target; only the classes it defines are read.

    Yields
    ------
    (type, callable)
        The class and its method bound to an instance built with its defaults.
    """
    for value in list(vars(module).values()):
        if not inspect.isclass(value) or value.__module__ != module.__name__:
            continue
        method = _method(value)
        if method is None or inspect.isabstract(value):
            continue
        obj = _built(value)
        if obj is None or next(iter(float_arrays(obj)), None) is not None:
            continue  # arguments needed, or weights held: a model's loss (models.py)
        yield value, getattr(obj, method.__name__)
