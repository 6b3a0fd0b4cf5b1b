"""Functions over features x samples and arguments chosen among strings (deeplearning.ai).

The deeplearning.ai course writes its layers as functions over data laid out features x
samples: ``linear_forward(A, W, b) -> (Z, cache)`` with ``Z = W @ A + b`` and ``b`` of
shape ``(C, 1)``; ``linear_backward(dZ, cache) -> (dA_prev, dW, db)``. Its backward
divides the *parameter* gradients by the number of samples ``m`` (``dW = dZ @ A_prev.T /
m``) and not the input gradient (``dA_prev = W.T @ dZ``): ``dW`` and ``db`` are the
gradients of the mean over the samples, ``dA_prev`` of the sum. Each of the two
conventions is consistent; a backward that divides one parameter gradient and not the
other is wrong under both. :func:`mean_parameters` re-checks a failed example under the
course's convention, where the parameters' numerical gradients are taken of the forward
with each parameter moved ``1/m`` as far.

``linear_activation_forward(A_prev, W, b, activation)`` branches on a string; the
backward takes the same argument: :func:`with_chosen` gives it the value the forward got.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["MEAN_NOTE", "mean_parameters", "undivided", "with_chosen"]

MEAN_NOTE = ("checked under the deeplearning.ai convention: the parameter gradients are the "
             "mean over the m samples (dW = dZ @ A_prev.T / m) and the input gradient is not")


def with_chosen(backward: Callable[..., Any], chosen: dict[str, Any]) -> Callable[..., Any]:
    """``backward`` with the chosen strings it also takes bound (``activation="relu"``)."""
    try:
        signature = inspect.signature(backward)
    except (TypeError, ValueError):
        return backward
    bound = {k: v for k, v in chosen.items() if k in signature.parameters}
    if not bound:
        return backward

    @functools.wraps(backward)
    def chosen_backward(*args: Any, **kwargs: Any) -> Any:
        return backward(*args, **bound, **kwargs)

    chosen_backward.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for n, p in signature.parameters.items() if n not in bound])
    return chosen_backward


def mean_parameters(check: Callable[..., Any], forward: Callable[..., Any],
                    roles: dict[str, str], args: tuple[Any, ...]) -> Any:
    """Re-check with the parameter gradients taken as the mean over the samples.

    Parameters
    ----------
    check : callable
        ``check(forward, *args)``: the check of one example, returning its report.
    forward : callable
        The user's forward.
    roles : dict
        Each positional argument's role (``data``, ``weights``, ``bias``...), in order.
    args : tuple
        The example's arguments.

    Returns
    -------
    GradcheckReport or None
        The report of the forward whose weights and biases move ``1/m`` as far (its
        numerical gradients in them are ``1/m`` of the true ones), ``m`` the data's
        columns; None when there is no data or a single sample.
    """
    kinds = list(roles.values())
    data = [a for a, r in zip(args, kinds, strict=False) if r == "data"]
    if not data or np.ndim(data[0]) != 2 or np.shape(data[0])[1] < 2:
        return None
    m = np.shape(data[0])[1]
    moved = [i for i, r in enumerate(kinds) if r.startswith(("weights", "bias"))]
    at = {i: np.array(args[i], dtype=np.float64, copy=True) for i in moved}

    @functools.wraps(forward)
    def averaged(*values: Any, **kwargs: Any) -> Any:
        values = tuple(at[i] + (v - at[i]) / m if i in at else v
                       for i, v in enumerate(values))
        return forward(*values, **kwargs)

    return check(averaged, *args)


def undivided(report: Any, roles: dict[str, str], args: tuple[Any, ...]) -> None:
    """Diagnose a failed parameter gradient that is ``m`` times the course's: not ``/ m``."""
    data = [a for a, r in zip(args, roles.values(), strict=False) if r == "data"]
    if not data or np.ndim(data[0]) != 2:
        return
    m = np.shape(data[0])[1]
    for g in report.gradients:
        role = roles.get(g.name[1:], "") if g.name.startswith("d") else ""
        if g.status != "failed" or not g.numeric or not role.startswith(("weights", "bias")):
            continue
        if abs(g.analytic / g.numeric - m) < 1e-6 * m:
            g.diagnosis = (f"m = {m} times the course's value: a missing `/ m` in {g.name}? "
                           "(the course divides dW and db by the samples, not dA_prev)")
