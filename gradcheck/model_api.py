"""``check_model`` and ``check_params``: whole networks, one verdict per parameter."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from gradcheck.engine import validate as _validate
from gradcheck.engine.model_run import ModelRun
from gradcheck.engine.state import RandomPin
from gradcheck.protocol.model import (
    BookModelSubject,
    CS231nSubject,
    ModelSubject,
    ParamsSubject,
    model_kind,
)
from gradcheck.protocol.model_layouts import AttributeSubject, NielsenSubject
from gradcheck.report import Kind, Report
from gradcheck.views import with_output

__all__ = ["check_model", "check_params"]


def check_model(
    model: Any,
    X: Any,
    y: Any,
    *,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
    loss_kwargs: dict[str, Any] | None = None,
) -> Report:
    """Check every parameter gradient of a whole network against finite differences.

    Four layouts are understood:

    - **CS231n**: ``model.params`` is a dict of arrays and ``model.loss(X, y)`` returns
      ``(loss, grads)`` with ``grads`` keyed like ``params`` (regularization as the model
      adds it, ``dropout_param`` with its seed);
    - **the book's** ``Model`` (chapters 19-22): ``model.layers``, ``model.loss``,
      ``forward(X, training)``, ``backward(output, y)``; each trainable layer's
      ``d<param>`` is checked against the loss with its regularization,
      ``model.loss.calculate(output, y, include_regularization=True)``, with
      ``forward(X, training=True)`` (dropout pinned);
    - **array attributes** and a loss method: CS231n's ``LinearSVM``/``Softmax``
      (``self.W``, ``loss(X_batch, y_batch, reg) -> (loss, dW)``), or ``self.W1, self.b1,
      ...`` with ``loss`` returning ``(loss, grads...)`` or ``(loss, dict)``: each
      gradient matched to the attribute of its shape, or by key;
    - **Nielsen's** ``Network``: ``self.biases`` / ``self.weights`` lists and
      ``backprop(x, y) -> (nabla_b, nabla_w)`` for one sample ``x`` (a column vector,
      passed as ``X``); the objective is ``model.cost.fn(model.feedforward(x), y)``, or the
      quadratic cost ``0.5 * ||feedforward(x) - y||^2`` when the network has no cost
      object (``network.py``).

    Parameters
    ----------
    model : object
        The network.
    X : array_like
        A batch of inputs, in the layout the model takes.
    y : array_like
        Labels or targets, as the model's loss takes them.
    mode : {None, "exhaustive", "fast"}, optional
        As in :func:`gradcheck.check_layer`; fast mode projects each parameter on random
        directions and compares element by element only to locate an error. ``None``:
        exhaustive up to 20,000 parameter elements in all.
    step : float, optional
        One relative step for every parameter. Default: each parameter gets its own, the
        largest of ``6e-6, 1.5e-6, ...`` on which the network is linear along random
        directions (a deep ReLU network puts late pre-activations below any fixed step).
    seed : int, optional
        Seed for the random directions and the pinned random state (default 0).
    raise_on_failure : bool, default True
        Raise :class:`GradientError` when a gradient is wrong; else return the report.
    verbose : bool, default False
        Print what the checked code printed or logged while it was checked (after the
        check). It is kept in ``report.output`` either way, out of the way; the report's
        ``repr`` counts its lines.
    loss_kwargs : dict, optional
        Keyword arguments of every ``loss`` call, e.g. ``{"reg": 0.1}`` so that the
        regularization's gradient is checked too (a ``loss(X, y, reg)`` without a default
        needs it).

    Returns
    -------
    Report
        One :class:`GradientResult` per parameter (``W1``, ``layers[0].dweights``,
        ``weights[1]``).

    Raises
    ------
    GradientError
        A parameter's gradient is wrong, missing, misshapen or not finite, or the model
        raised; the message names the parameter and the likely wiring bug (a swapped pair,
        a missing regularization term, a factor of the batch size, the layer where the
        error enters the backward pass).
    TypeError
        ``model`` follows neither layout.

    Notes
    -----
    - **Kinks** inside the network (ReLU units at exactly 0) are accepted as for single
      layers: an analytic value between the one-sided derivatives is a subgradient.
    - **Randomness**: a network that draws random numbers (dropout) gets the global random
      state re-seeded before every evaluation, so forward and backward see one mask.
    - The parameters, the model and the random state are left exactly as they were.

    Examples
    --------
    >>> import numpy as np
    >>> class TwoLayer:
    ...     def __init__(self):
    ...         rng = np.random.default_rng(0)
    ...         self.params = {"W1": rng.normal(size=(3, 4)), "W2": rng.normal(size=(4, 2))}
    ...     def loss(self, X, y):
    ...         h = np.maximum(X @ self.params["W1"], 0)
    ...         out = h @ self.params["W2"]
    ...         loss = 0.5 * np.sum((out - y) ** 2) / len(X)
    ...         dout = (out - y) / len(X)
    ...         dh = dout @ self.params["W2"].T * (h > 0)
    ...         return loss, {"W1": X.T @ dh, "W2": h.T @ dout}
    >>> X, y = np.ones((5, 3)), np.zeros((5, 2))
    >>> check_model(TwoLayer(), X, y).ok
    True
    """
    __tracebackhide__ = True
    _validate.options(mode, step)
    kind = model_kind(model)
    if kind is None or isinstance(model, type):
        raise TypeError(
            f"model={type(model).__name__} object follows no known network layout: give a "
            "CS231n model (a `params` dict and loss(X, y) -> (loss, grads)), a model with "
            "array attributes and loss(X, y, ...) -> (loss, grad), Nielsen's Network "
            "(biases, weights, backprop(x, y)) or the book's Model (layers, loss, "
            "forward(X, training), backward(output, y)); for anything else with parameters "
            "in a dict, use check_params(loss, grads, params)"
        )
    if loss_kwargs is not None and not isinstance(loss_kwargs, dict):
        raise TypeError(f"loss_kwargs must be a dict, got {type(loss_kwargs).__name__}")
    if loss_kwargs and kind not in ("cs231n", "attributes"):
        raise TypeError(f"loss_kwargs: a {kind} model's loss takes no keyword arguments here")
    if kind == "attributes" and getattr(model, "W", 0) is None:
        raise TypeError(
            f"{type(model).__name__}.W is None: train() creates it; set it first, e.g. "
            "model.W = 0.001 * np.random.randn(X.shape[1], num_classes)"
        )
    X = np.asarray(X)
    if X.dtype.kind == "f" and X.dtype != np.float64:
        X = X.astype(np.float64)
    y = np.asarray(y) if y is not None else None
    report = Report(name=type(model).__name__, kind=Kind.MODEL)

    def build(pin: RandomPin) -> ModelSubject:
        if kind == "cs231n":
            return CS231nSubject(model, X, y, pin, loss_kwargs)
        if kind == "attributes":
            return AttributeSubject(model, X, y, pin, loss_kwargs)
        if kind == "nielsen":
            return NielsenSubject(model, X, y, pin)
        return BookModelSubject(model, X, y, pin)

    batch = X.shape[0] if X.ndim and kind != "nielsen" else 1  # Nielsen: one sample
    run = ModelRun(report, model, build, mode=mode, step=step, seed=seed, batch=batch)
    return with_output(partial(run.execute, raise_on_failure), verbose=verbose)


def check_params(
    loss: Callable[[dict[str, Any]], Any],
    grads: Callable[[dict[str, Any]], dict[str, Any]],
    params: dict[str, Any],
    *,
    batch: int | None = None,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
) -> Report:
    """Check the gradients of a loss over a dict of parameters (``W1, b1, ...``).

    The deeplearning.ai ``gradient_check_n`` layout, and anything else that keeps its
    parameters in a dict: ``loss(params)`` returns the scalar loss (or a tuple starting
    with it), ``grads(params)`` returns a dict with the gradient of every parameter keyed
    ``dW1, db1, ...`` or by the parameter's own name (other keys, ``dA1``, ``dZ1``, are
    ignored). Each parameter gets its own verdict, step and tolerance.

    A network that draws random numbers (dropout from ``np.random.rand``, seeded or not)
    gets the global random state pinned again before every call of ``loss`` and of
    ``grads``, so a ``grads`` that runs its own forward pass draws the masks ``loss`` drew.

    Parameters
    ----------
    loss : callable
        ``loss(params) -> float``, e.g. ``lambda p: forward_propagation_n(X, Y, p)[0]``.
    grads : callable
        ``grads(params) -> dict``, e.g. ``lambda p: backward_propagation_n(X, Y,
        forward_propagation_n(X, Y, p)[1])``.
    params : dict of str to ndarray
        The parameters, changed during the check and left exactly as they were.
    batch : int, optional
        Samples in the batch (``X.shape[1]`` in the features x samples layout), to name a
        gradient too large by that factor; else any integer factor is named.
    mode, step, seed, raise_on_failure
        As in :func:`check_model`.
    verbose : bool, default False
        Print what the checked code printed or logged while it was checked (after the
        check). It is kept in ``report.output`` either way, out of the way; the report's
        ``repr`` counts its lines.

    Returns
    -------
    Report
        One :class:`GradientResult` per parameter, named like its gradient (``dW1``).

    Raises
    ------
    GradientError
        A gradient is wrong, missing, misshapen or not finite, or ``loss``/``grads`` raised.
    TypeError
        ``params`` is not a dict, or ``loss``/``grads`` are not callable.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W": np.array([[1.0, -2.0]]), "b": np.array([0.5])}
    >>> X = np.array([[1.0, 2.0], [3.0, -1.0]])
    >>> f = lambda p: float(np.sum((X @ p["W"].T + p["b"]) ** 2))
    >>> def g(p):
    ...     r = 2 * (X @ p["W"].T + p["b"])
    ...     return {"dW": r.T @ X, "db": r.sum(axis=0)}
    >>> check_params(f, g, params).ok
    True
    """
    __tracebackhide__ = True
    _validate.options(mode, step)
    if not isinstance(params, dict):
        raise TypeError(
            f"params must be a dict of arrays (W1, b1, ...), got {type(params).__name__}"
        )
    for name, function in (("loss", loss), ("grads", grads)):
        if not callable(function):
            raise TypeError(f"{name} must be callable, {name}(params), got {function!r}")
    name = getattr(loss, "__name__", "")
    report = Report(name=name if name.isidentifier() else "params", kind=Kind.MODEL)

    def build(pin: RandomPin) -> ModelSubject:
        return ParamsSubject(loss, grads, params, pin)

    run = ModelRun(report, params, build, mode=mode, step=step, seed=seed, batch=batch or 1)
    return with_output(partial(run.execute, raise_on_failure), verbose=verbose)
