"""A loss function's targets, observed: class labels or continuous values of the prediction's shape.

``squared_error(pred, target)``, ``mse_loss(y_pred, y_true)``, ``huber(pred, target,
delta=1.0)`` and ``softmax_loss(scores, y)`` read alike by their names: a prediction and
a target. What the function does with the target tells them apart (design.md, "The
protocol, observed"): one that indexes with it (``p[np.arange(n), y]``) takes class
labels, one that uses it arithmetically against the prediction (``pred - target``) takes
continuous targets of the prediction's shape. Both are tried on probability rows of
``(5, 3)`` (every dimension different, values valid for a log): labels first, as before,
so a function that takes labels keeps them; continuous targets when labels are
rejected and targets of the prediction's shape are accepted. The predictions' domain is
observed the same way: real values (negatives included) when the loss stays finite
there (a squared or Huber error), else values in (0, 1) with targets in (0, 1) (a
cross-entropy of probabilities against soft or one-hot targets, ``-sum(t * log(p))``).

A loss taking the target first (Keras' ``loss(y_true, y_pred)``, when both names say
so) is checked through :func:`predictions_first`, so that its gradient is read as the
prediction's.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.protocol.labels import LABEL_NAMES, PREDICTION_NAMES
from gradcheck.targets.probe_calls import REJECTED, tries

__all__ = ["TARGETS", "UNIT", "UNIT_TARGETS", "observed_roles", "predictions_first",
           "targets_first"]

#: the role of continuous targets of the prediction's shape (drawn like the data)
TARGETS = "targets"
#: predictions in (0, 1), and their targets in (0, 1): a loss not finite elsewhere
UNIT, UNIT_TARGETS = "unit", "unit targets"
_PREDICTIONS, _TARGETS = ("data", UNIT), (TARGETS, UNIT_TARGETS)
_N, _C = 5, 3


def _required(function: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        params = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [p for p in positional if p.default is p.empty]


def _pair(function: Callable[..., Any], named: dict[str, str]) -> tuple[str, str] | None:
    """``(prediction, target)`` argument names of a two-argument loss, else None.

    The two required positional arguments read as a prediction and a target, in either
    order: by the roles already read (data and labels), or by the names of predictions
    (``pred``, ``y_pred``, ``output``) and of targets (``target``, ``y_true``).
    """
    required = _required(function)
    if required is None or len(required) != 2:
        return None
    first, second = (p.name for p in required)
    if named.get(first) == "data" and named.get(second) == "labels":
        return first, second
    predictions = {n.lower() for n in PREDICTION_NAMES}

    def reads(name: str, names: set[str] | frozenset[str]) -> bool:
        return name.lower() in names

    if reads(first, predictions) and reads(second, LABEL_NAMES):
        return first, second
    if reads(first, LABEL_NAMES) and reads(second, predictions) and not (
            reads(first, predictions)):
        return second, first
    return None


def _answers(function: Callable[..., Any], args: tuple[np.ndarray, ...],
             shape: tuple[int, ...]) -> bool:
    """It returns a finite loss and a gradient of the prediction's shape."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = tries(function, *args, rejected=REJECTED)
    if not isinstance(result, tuple) or len(result) < 2:
        return False
    try:
        loss = float(np.asarray(result[0], dtype=float).sum())
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(loss)) and any(
        isinstance(r, np.ndarray) and r.shape == shape for r in result[1:])


def observed_roles(function: Callable[..., Any], named: dict[str, str]
                   ) -> dict[str, str] | None:
    """The roles of a loss whose target takes continuous values, by observation, else None.

    Parameters
    ----------
    function : callable
        A loss function returning ``(loss, grad)`` (``squared_error(pred, target)``).
    named : dict
        The roles its argument names gave (:func:`gradcheck.targets.returning.roles`),
        possibly empty.

    Returns
    -------
    dict or None
        ``{"pred": "data", "target": "targets"}`` in the signature's order when labels
        are rejected and targets of the prediction's shape are accepted (``"unit"`` and
        ``"unit targets"`` when the loss is finite only on predictions in (0, 1)); None
        when the function takes class labels, rejects both, or is not a two-argument
        loss.
    """
    pair = _pair(function, named)
    if pair is None:
        return None
    prediction, target = pair
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(_C), size=_N) * 0.9 + 0.1 / _C
    labels = np.array([0, 2, 1, 2, 0])
    continuous = rng.random((_N, _C)) * 0.8 + 0.1
    order = [p.name for p in _required(function) or ()]

    def call(value: np.ndarray) -> bool:
        given = {prediction: probs, target: value}
        return _answers(function, tuple(given[n].copy() for n in order), probs.shape)

    real = rng.normal(size=(_N, _C))
    real[:, 0] = -np.abs(real[:, 0]) - 0.5  # a negative prediction on every row
    if call(labels):
        # class labels: probabilities (cross_entropy(probs, labels) takes a log) are
        # drawn in (0, 1), when real predictions give no finite loss
        given = {prediction: real, target: labels}
        if _answers(function, tuple(given[n].copy() for n in order), probs.shape):
            return None
        return {n: UNIT if n == prediction else "labels" for n in order}
    if not call(continuous):
        return None
    if _answers(function, tuple((real if n == prediction else rng.normal(size=(_N, _C)))
                                for n in order), probs.shape):
        return {n: "data" if n == prediction else TARGETS for n in order}
    return {n: UNIT if n == prediction else UNIT_TARGETS for n in order}


def targets_first(roles: dict[str, str]) -> bool:
    """The target comes before the prediction (``loss(y_true, y_pred)``)."""
    values = list(roles.values())
    targets = [i for i, v in enumerate(values) if v in _TARGETS]
    predictions = [i for i, v in enumerate(values) if v in _PREDICTIONS]
    return bool(targets and predictions) and targets[0] < predictions[0]


def predictions_first(function: Callable[..., Any], args: tuple[Any, ...]
                      ) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``loss(y_true, y_pred)`` as ``loss(y_pred, y_true)``, with its arguments swapped.

    The gradient a loss returns is matched to the first float argument of its shape; the
    prediction comes first so that it is the prediction's. The wrapper keeps the name and
    shows the swapped signature, so that the report names ``dy_pred``.
    """
    params = list(inspect.signature(function).parameters.values())

    def swapped(prediction: Any, target: Any, *rest: Any, **kwargs: Any) -> Any:
        return function(target, prediction, *rest, **kwargs)

    swapped.__name__ = swapped.__qualname__ = getattr(function, "__name__", "loss")
    swapped.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [params[1], params[0], *params[2:]])
    return swapped, (args[1], args[0], *args[2:])
