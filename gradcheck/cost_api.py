"""Cost objects (Nielsen's ``QuadraticCost``/``CrossEntropyCost``) through ``check_loss``.

A cost object has ``fn(a, y)``, the cost of the output activations ``a`` against ``y``,
and ``delta(z, a, y)``, the error of the output layer: ``dC/dz`` at ``a = sigma(z)``
(``network2.py``; static methods, so the class itself or an instance is given).
:func:`check_cost` checks ``delta`` against finite differences of ``z -> fn(sigma(z),
y)`` with :func:`~gradcheck.derivative_api.check_derivative`; :func:`gradcheck.check_loss`
calls it when given such an object (:func:`is_cost`), so the natural call needs no
adapter: ``check_loss(CrossEntropyCost, z, y)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.derivative_api import check_derivative
from gradcheck.errors import GradientError
from gradcheck.report import ERROR, FAILED, UNFINISHED, Report

__all__ = ["check_cost", "is_cost", "sigmoid"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, Nielsen's output activation (the default ``activation``)."""
    return 1.0 / (1.0 + np.exp(-z))


def _arity(function: Any) -> int | None:
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


def is_cost(obj: Any) -> bool:
    """A cost object (class or instance): ``fn(a, y)`` and ``delta(z, a, y)``, no forward."""
    fn, delta = getattr(obj, "fn", None), getattr(obj, "delta", None)
    if not (callable(fn) and callable(delta)) or callable(getattr(obj, "forward", None)):
        return False
    return _arity(fn) == 2 and _arity(delta) == 3


def _name(obj: Any) -> str:
    return str(getattr(obj, "__name__", None) or type(obj).__name__)


def check_cost(cost: Any, z: Any, y: Any, *,
               activation: Callable[[np.ndarray], Any] | None = None,
               mode: str | None = None, step: float | None = None,
               seed: int | None = None, raise_on_failure: bool = True) -> Report:
    """Check a cost object's ``delta(z, a, y)`` against finite differences of its ``fn``.

    Parameters
    ----------
    cost : class or object
        With ``fn(a, y)`` (a scalar cost) and ``delta(z, a, y)`` (its gradient with
        respect to ``z``, the output layer's weighted input, at ``a = activation(z)``).
    z : array_like
        The output layer's weighted input, e.g. ``(10, 1)``: Nielsen's column of one
        sample, or several columns.
    y : array_like
        The desired output, ``z``'s shape (a one-hot column in the book).
    activation : callable, optional
        The output layer's activation ``a = activation(z)``; default the sigmoid.
    mode, step, seed, raise_on_failure
        As in :func:`gradcheck.check_layer`.

    Returns
    -------
    Report
        ``report.kind == "derivative"``; one gradient, ``<Cost>.delta``.
    """
    __tracebackhide__ = True
    act = activation or sigmoid
    name = _name(cost)
    fn, delta = cost.fn, cost.delta
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.shape != z.shape:
        raise ValueError(f"y has shape {y.shape} but z has {z.shape}: for a cost object "
                         "y is the desired output, of the output layer's shape")

    def cost_of_z(z: np.ndarray, y: np.ndarray) -> Any:
        return fn(act(z), y)

    def delta_of_z(z: np.ndarray, y: np.ndarray) -> Any:
        return delta(z, act(z), y)

    cost_of_z.__name__ = f"{name}.fn"
    delta_of_z.__name__ = f"{name}.delta"
    report = check_derivative(cost_of_z, delta_of_z, z, y, wrt=0, reading="input",
                              mode=mode, step=step, seed=seed, raise_on_failure=False)
    shown = getattr(act, "__name__", "activation")
    report.notes.append(f"delta is dC/dz at the output layer: checked against {name}.fn(a, "
                        f"y) with a = {'sigmoid' if activation is None else shown}(z)")
    if report.status in (FAILED, ERROR, UNFINISHED) and raise_on_failure:
        raise GradientError(report)
    return report
