"""A derivative is a backward too: ``f`` with ``f_prime``, read as a function pair.

- **Names.** ``f_prime``, ``f_derivative``, ``f_deriv``, ``d_f`` and ``df`` are
  derivatives of ``f`` (:func:`derivative_of`).
- **Which argument.** An elementwise ``sigmoid_prime(x)`` is ``d sigmoid / dx`` of its
  only argument; a loss prime ``mse_prime(y_true, y_pred)`` is the gradient of the scalar
  ``mse`` with respect to the prediction, found by name (``y_pred``, ``output``, ``a``
  ...), else the second argument (:func:`differentiated_argument`).
- **Two readings.** In terms of the input (``relu_prime(x)``) or of the function's
  output (``sigmoid_prime(s) = s * (1 - s)``, ``tanh_prime(y) = 1 - y ** 2``): the
  adapters (:func:`adapters`) evaluate ``f_prime`` at the argument or at ``f``'s output.
- **Writes.** ``f_prime`` gets copies; what it writes into them is recorded (a
  derivative that overwrites its argument corrupts the network that calls it).

The adapters are a CS231n-style ``forward -> (out, cache)`` / ``backward(dout, cache)``
pair, so the function engine checks them: the objective is ``sum(dout * f(x))`` and the
gradient ``dout * f_prime(x)`` (a scalar ``dout`` for a scalar loss).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.errors import UnfinishedError
from gradcheck.protocol.function import argument_names, call_user, is_float_array
from gradcheck.protocol.labels import LABEL_NAMES, PREDICTION_NAMES

__all__ = [
    "INPUT",
    "OUTPUT",
    "Adapters",
    "adapters",
    "derivative_of",
    "differentiated_argument",
    "required_names",
    "same_parameters",
    "output_first",
]

INPUT, OUTPUT = "input", "output"

#: how a derivative's name is made from its function's (``{}`` is the function's name)
DERIVATIVE_FORMS = ("{}_prime", "{}_derivative", "{}_deriv", "d_{}", "d{}", "{}_grad", "grad_{}",
                    "{}_gradient", "derivative_{}", "{}prime", "{}Prime", "{}_der",
                    "deriv_{}", "{}_backward")  # (elu_backward(x): see same_parameters)

#: names of a derivative's argument that say "the function's output"
OUTPUT_ARGUMENT_NAMES = ("s", "y", "out", "output", "a", "fx", "f_x", "sig", "sigm",
                         "activation", "activated", "act", "t", "th", "tanh_x",
                         "sigmoid_x", "y_hat", "yhat", "o")


def derivative_of(name: str, functions: set[str] | dict[str, Any]) -> str | None:
    """The function ``name`` is a derivative of, among ``functions`` (None if none).

    The word around the base is read with case and underscores set aside
    (``sigmoidGradient``, the Coursera exercises' spelling, is ``sigmoid_gradient``); the
    base itself must be one of ``functions`` as written.

    >>> derivative_of("sigmoid_prime", {"sigmoid"}), derivative_of("drelu", {"relu"})
    ('sigmoid', 'relu')
    >>> derivative_of("sigmoidGradient", {"sigmoid"})
    'sigmoid'
    """
    for form in DERIVATIVE_FORMS:
        head, _, tail = form.partition("{}")
        if name.startswith(head) and name.endswith(tail) and len(name) > len(head + tail):
            base = name[len(head):len(name) - len(tail)]
            if base in functions and base != name:
                return base
    lowered = name.lower()
    for form in DERIVATIVE_FORMS:
        head, _, tail = form.replace("_", "").lower().partition("{}")
        if len(head + tail) >= 3 and lowered.startswith(head) and lowered.endswith(tail) \
                and len(name) > len(head + tail):
            base = name[len(head):len(name) - len(tail)]
            if base in functions and base != name:
                return base
    return None


def required_names(function: Callable[..., Any]) -> list[str] | None:
    """The names of ``function``'s required positional parameters (None: no signature).

    A class gives its constructor's, without ``self``.
    """
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is p.empty]


def same_parameters(f: Callable[..., Any], f_prime: Callable[..., Any]) -> bool:
    """Whether ``f_prime`` takes exactly ``f``'s required positional parameters, by name.

    ``elu_backward(x, alpha=1.0)`` beside ``elu(x, alpha=1.0)`` is a derivative, not a
    CS231n backward (``relu_backward(dout, cache)``, ``tanh_backward(dout, x)``).
    """
    ours, theirs = required_names(f), required_names(f_prime)
    return ours is not None and bool(ours) and ours == theirs


def positional_names(function: Callable[..., Any]) -> list[str]:
    """The names of ``function``'s positional parameters."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def differentiated_argument(f: Callable[..., Any], args: tuple[Any, ...]) -> int:
    """The position of the argument a derivative of ``f`` is taken with respect to.

    The only float array; else the first one named as a prediction (``y_pred``,
    ``output``, ``a`` ...) and not as a target; else the second float argument (the
    ``loss(y_true, y_pred)`` order); else the first.
    """
    floats = [i for i, a in enumerate(args) if is_float_array(a)]
    if not floats:
        raise ValueError("no float array among the arguments: nothing to differentiate")
    if len(floats) == 1:
        return floats[0]
    names = argument_names(f, len(args))
    for wanted in PREDICTION_NAMES:
        for i in floats:
            if names[i].lower() == wanted and names[i].lower() not in LABEL_NAMES:
                return i
    for i in floats:
        low = names[i].lower()
        if any(p in low for p in ("pred", "hat", "output", "prob", "logit")):
            return i
    return floats[1]


def output_first(f_prime: Callable[..., Any], position: int) -> bool:
    """Whether ``f_prime``'s argument is named like the function's output (``s``, ``y``)."""
    names = positional_names(f_prime)
    return position < len(names) and names[position].lower() in OUTPUT_ARGUMENT_NAMES


@dataclass
class Adapters:
    """A derivative pair as a forward/backward pair, and what ``f_prime`` wrote into."""

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    writes: list[str] = field(default_factory=list)


def adapters(f: Callable[..., Any], f_prime: Callable[..., Any], position: int,
             reading: str, kwargs: dict[str, Any]) -> Adapters:
    """``forward(*args) -> (f(*args), cache)`` and ``backward(dout, cache)``.

    Parameters
    ----------
    f, f_prime : callable
        The function and its derivative.
    position : int
        The differentiated argument.
    reading : {"input", "output"}
        ``f_prime`` evaluated at the arguments, or with the differentiated argument
        replaced by ``f``'s output.
    kwargs : dict
        Keyword arguments of both.
    """
    f_name = getattr(f, "__name__", "f")
    fp_name = getattr(f_prime, "__name__", "f_prime")
    names = argument_names(f_prime, position + 1)

    def forward(*args: Any) -> tuple[Any, Any]:
        out = call_user(f, *args, **kwargs)
        if out is None:
            raise UnfinishedError(f"{f_name} returned None (an unfinished template?)")
        if reading == OUTPUT:
            shown = np.array(out, dtype=np.float64, copy=True)
            cache = tuple(shown if i == position else a for i, a in enumerate(args))
        else:
            cache = tuple(args)
        return out, cache

    def backward(dout: Any, cache: tuple[Any, ...]) -> Any:
        given = [np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in cache]
        before = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None
                  for a in given]
        value = call_user(f_prime, *given, **kwargs)
        for i, (old, new) in enumerate(zip(before, given, strict=True)):
            if old is not None and not np.array_equal(old, new, equal_nan=True):
                name = names[i] if i < len(names) else f"argument {i}"
                write = (f"{fp_name} wrote into its argument {name} (the caller's array "
                         "is overwritten: a network passing its layer's input or output "
                         "would see it changed); work on a copy")
                if write not in adapted.writes:
                    adapted.writes.append(write)
        if value is None:
            raise UnfinishedError(f"{fp_name} returned None (an unfinished template?)")
        return np.asarray(dout, dtype=np.float64) * np.asarray(value, dtype=np.float64)

    forward.__name__ = f_name
    backward.__name__ = fp_name
    adapted = Adapters(forward, backward)
    return adapted
