"""Validation of class labels, once, at the boundary of every loss method."""

import numpy as np
from numpy.typing import ArrayLike


def check_labels(y_true: ArrayLike, y_pred: np.ndarray, *, y_pred_name: str) -> np.ndarray:
    """Return ``y_true`` as an array after checking it against predictions ``y_pred``.

    Accepted: sparse labels, shape ``(N,)``, integer class indices in ``[0, C)``; or one-hot
    labels, shape ``(N, C)``, each row a single 1 and zeros elsewhere. ``y_pred`` must be a
    non-empty ``(N, C)`` array. Anything else raises ``ValueError`` naming the argument, so
    a bad label never surfaces as an ``IndexError`` deep inside NumPy, and a negative label
    never silently wraps around to the last class.
    """
    if y_pred.ndim != 2 or y_pred.shape[0] == 0 or y_pred.shape[1] == 0:
        raise ValueError(
            f"{y_pred_name} must be a non-empty 2-D array (samples, classes), "
            f"got shape {y_pred.shape}"
        )
    samples, classes = y_pred.shape
    y_true = np.asarray(y_true)

    if y_true.ndim == 1:
        if y_true.shape[0] != samples:
            raise ValueError(
                f"y_true has {y_true.shape[0]} labels but {y_pred_name} has {samples} samples; "
                "pass one label per sample"
            )
        if y_true.dtype.kind not in "iu":
            raise ValueError(
                f"sparse y_true must hold integer class indices, got dtype {y_true.dtype}; "
                "convert with y_true.astype(int) or pass one-hot rows of shape (N, C)"
            )
        low, high = int(y_true.min()), int(y_true.max())
        if low < 0 or high >= classes:
            raise ValueError(
                f"y_true has class indices out of range [0, {classes}) "
                f"(min {low}, max {high}); {y_pred_name} has {classes} classes"
            )
        return y_true

    if y_true.ndim == 2:
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"one-hot y_true has shape {y_true.shape} but {y_pred_name} has shape "
                f"{y_pred.shape}; sparse labels must have shape ({samples},)"
            )
        is_binary = (y_true == 0) | (y_true == 1)
        bad_rows = np.flatnonzero(~is_binary.all(axis=1) | (y_true.sum(axis=1) != 1))
        if bad_rows.size:
            row = bad_rows[0]
            raise ValueError(
                f"one-hot y_true must have a single 1 per row and zeros elsewhere; "
                f"row {row} is {y_true[row].tolist()}"
            )
        return y_true

    raise ValueError(
        f"y_true must be sparse labels of shape ({samples},) or one-hot labels of shape "
        f"({samples}, {classes}), got shape {y_true.shape}"
    )
