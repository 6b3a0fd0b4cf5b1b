"""Argument validation for the public entry points: one function each, clear messages."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import numpy as np

from gradcheck.protocol.calls import forward_parameters
from gradcheck.protocol.packing import Packing, is_mask
from gradcheck.protocol.roles import method_names

__all__ = ["MODES", "batch", "labels", "options", "protocol_object", "several_inputs"]

MODES = (None, "exhaustive", "fast")


def protocol_object(obj: Any, argument: str) -> None:
    """``obj`` must have callable ``forward`` and ``backward`` methods."""
    if isinstance(obj, type):
        raise TypeError(
            f"{argument} must be an instance, got the class {obj.__name__}; "
            f"build it first, e.g. {obj.__name__}(...)"
        )
    # (an instance may have them through __getattr__; its class then shows nothing)
    cls: type = type(obj)
    roles = method_names(cls)
    missing = [m for m, found in zip(("forward", "backward"), roles, strict=True)
               if found is None and not callable(getattr(obj, m, None))]
    if missing:
        raise TypeError(
            f"{argument}={type(obj).__name__!s} object has no {' or '.join(missing)} method; "
            "a checkable NNFS-style object defines forward(...) and backward(dvalues, ...)"
            + _returns_both(cls)
        )


def _returns_both(cls: type) -> str:
    """A pointer to check_function for ``loss, grad = obj(y_pred, y_true)`` objects."""
    from gradcheck.protocol.source import returned_names

    for name, call in (("__call__", "obj"), ("loss", "obj.loss")):
        method = vars(cls).get(name)
        shown = returned_names(method) if inspect.isfunction(method) else None
        if shown is not None and len(shown) >= 2:
            return (f"; its {name} returns the loss and the gradient together: check it as "
                    f"a loss function, check_function({call}, None, y_pred, y_true)")
    return ""


def batch(values: Any, argument: str, *, matrix: bool = False) -> np.ndarray:
    """A finite, non-empty numeric array with a batch axis first.

    Floats and booleans become float64; integers are kept (a layer may use them as ids:
    the run finds out). ``matrix=True`` asks for exactly two dimensions (losses).
    """
    try:
        array = np.asarray(values)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{argument} must be an array of numbers: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{argument} must hold real numbers, got dtype {array.dtype}")
    if matrix and array.ndim < 2:
        raise ValueError(
            f"{argument} must be at least 2-D (samples, ..., classes), got shape "
            f"{array.shape}; reshape a single sample with x.reshape(1, -1)"
        )
    if array.ndim == 0:
        raise ValueError(
            f"{argument} must have a batch axis, got a scalar; give a single sample as "
            "np.array([[...]])"
        )
    if array.size == 0:
        raise ValueError(f"{argument} is empty (shape {array.shape}); give at least one sample")
    if array.dtype.kind in "iu":
        return np.array(array)
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise ValueError(
            f"{argument} contains NaN or inf (first at index {bad}); gradients "
            "are only checked at finite points"
        )
    return array


def labels(y_true: Any, y_pred: np.ndarray) -> np.ndarray:
    """Sparse labels or targets for ``y_pred`` (classes on its last axis).

    Sparse: integers in ``[0, C)`` of shape ``y_pred.shape[:-1]`` (``(N,)`` for a 2-D
    ``y_pred``, ``(N, T)`` for a temporal ``(N, T, C)`` one). Targets: ``y_pred``'s shape.
    """
    y = np.asarray(y_true)
    n, c = y_pred.shape[0], y_pred.shape[-1]
    sparse_shape, dense_shape = y_pred.shape[:-1], y_pred.shape
    if y.ndim == len(sparse_shape) and y.ndim >= 1:
        if y.shape != sparse_shape:
            if y.ndim == 1:
                raise ValueError(f"y_true has {y.shape[0]} labels for {n} samples in y_pred")
            raise ValueError(f"y_true has shape {y.shape}; sparse labels for y_pred of shape "
                             f"{dense_shape} have shape {sparse_shape}")
        if y.dtype.kind not in "iu":
            if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
                y = y.astype(np.int64)
            else:
                raise ValueError(
                    f"sparse y_true must hold integer class indices, got dtype {y.dtype}; "
                    f"for one-hot or regression targets give shape {dense_shape}"
                )
        if y.size and (y.min() < 0 or y.max() >= c):
            raise ValueError(
                f"y_true holds class {int(y.min() if y.min() < 0 else y.max())}, outside "
                f"[0, {c}) for y_pred with {c} columns"
            )
        return y
    if y.shape == dense_shape:
        if y.dtype.kind not in "biuf" or not np.all(np.isfinite(y)):
            raise ValueError("y_true must hold finite numbers")
        return y
    raise ValueError(
        f"y_true has shape {y.shape}; expected sparse labels of shape {sparse_shape} or "
        f"one-hot/targets of shape {dense_shape} to match y_pred"
    )


def options(mode: str | None, step: float | None) -> None:
    """Keyword options shared by the entry points."""
    if mode not in MODES:
        raise ValueError(f"mode={mode!r} is not one of 'exhaustive', 'fast' or None (automatic)")
    if step is not None and not (isinstance(step, (int, float)) and 0 < step < 1):
        raise ValueError(f"step={step!r} must be a relative step in (0, 1), e.g. 1e-5")


def several_inputs(obj: Any, inputs: Any) -> Packing | None:
    """The packing of several inputs: a tuple of arrays, or a list of different shapes.

    ``forward(a, b)`` gets them as arguments; a forward taking fewer arguments gets them
    as one list (``forward([a, b])``, an Add layer). A list of arrays of one shape stays
    what it always was: one batch.
    """
    if not isinstance(inputs, (tuple, list)) or len(inputs) < 2:
        return None
    params = forward_parameters(obj) or []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p.name for p in params if p.kind in kinds]
    # (a tuple's element where forward takes a mask is a constant, never differentiated)
    masks = [i for i, name in enumerate(positional[: len(inputs)])
             if isinstance(inputs, tuple) and is_mask(name)]
    arrays = [a for i, a in enumerate(inputs) if i not in masks]
    if len(arrays) < 2 - bool(masks) or not all(
            isinstance(a, np.ndarray) and a.ndim >= 1 for a in arrays):
        return None
    if isinstance(inputs, list) and len({a.shape for a in arrays}) == 1:
        return None
    if len({a.shape[0] for a in arrays}) != 1:
        raise ValueError(
            f"inputs: several arrays with different numbers of samples "
            f"({', '.join(str(a.shape[0]) for a in arrays)}); each input's axis 0 is the batch")
    star = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    as_list = not star and len(positional) < len(inputs)
    names = [] if as_list or star else [n for i, n in enumerate(positional[: len(inputs)])
                                        if i not in masks]
    packing = Packing.of(arrays, as_list=as_list, names=names)
    if masks and not as_list:
        packing = dataclasses.replace(packing, constants=tuple(
            (i, positional[i], inputs[i]) for i in masks))
    return packing
