"""The values a mask argument is given (``forward(q, k, v, mask)``), found by probing.

A mask is a constant, never differentiated (:mod:`gradcheck.protocol.packing`). Two
values are given, each in a check of its own:

- the value that masks nothing (:func:`neutral`): ``0.0``, or ``1.0`` for a mask whose
  ones keep, observed; every position is then kept, as without a mask;
- a causal mask (:func:`causal`): a lower-triangular array of the scores' shape
  ``(Lq, Lk)``, in the convention the code follows (ones keep, ones drop, or additive:
  ``0`` keeps and ``-1e9`` drops), so that a backward letting the gradient flow through
  masked positions (a softmax recomputed without the mask, scores kept before masking)
  is caught. It broadcasts over the batch, so any number of samples takes it.

Both are observed through ``forward_output``: forward's output for given constants (the
probe's inputs fixed), or ``None`` when forward raises or gives no finite output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["MASK_FILL", "causal", "fitted", "neutral", "scores_shape"]

#: what a dropped position gets in an additive mask (``-inf`` gives NaN in some code)
MASK_FILL = -1e9

Constants = tuple[tuple[int, str, Any], ...]
ForwardOutput = Callable[[Constants], "np.ndarray | None"]


def _given(masks: Sequence[int], names: Sequence[str], value: Any) -> Constants:
    return tuple((i, names[i], value) for i in masks)


def scores_shape(parts: Sequence[tuple[int, ...]]) -> tuple[int, int] | None:
    """``(Lq, Lk)`` from the inputs' per-sample shapes, or ``None`` without sequences.

    Queries ``(Lq, d)`` first, keys ``(Lk, d)`` second; one sequence ``(L, d)`` alone is
    self-attention (``Lq = Lk = L``).
    """
    sequences = [shape for shape in parts[:2] if len(shape) >= 2]
    if not parts or len(sequences) != min(len(parts), 2):
        return None
    return sequences[0][0], sequences[-1][0]


def neutral(forward_output: ForwardOutput, masks: Sequence[int], names: Sequence[str],
            parts: Sequence[tuple[int, ...]] = ()) -> Constants:
    """The value of each mask argument that masks nothing: ``0.0`` or ``1.0``, observed.

    An additive mask (``scores + mask``) leaves the output as it is for either (softmax
    does not see a constant shift): ``0.0``. A mask of ones that keeps (``np.where(mask,
    scores, -1e9)``) or of ones that drop masks everything with one of the two values,
    and every query then gets the same output: the value whose outputs differ most from
    query to query is the one that keeps. A forward that takes no number there (``~mask``,
    ``mask.astype(bool)``) is given arrays of the scores' shape filled with that value,
    booleans then floats.
    """
    shape = scores_shape(parts)
    pairs: list[tuple[Any, Any]] = [(0.0, 1.0)]
    if shape is not None:
        pairs += [(np.zeros(shape, dtype=bool), np.ones(shape, dtype=bool)),
                  (np.zeros(shape), np.ones(shape))]
    for zero_value, one_value in pairs:
        zero = forward_output(_given(masks, names, zero_value))
        one = forward_output(_given(masks, names, one_value))
        if zero is None and one is None:
            continue
        if zero is None or one is None:
            chosen = one_value if zero is None else zero_value
        elif _additive(zero, one):
            chosen = zero_value
        else:
            chosen = one_value if _spread(one) > _spread(zero) else zero_value
        return _given(masks, names, chosen)
    return _given(masks, names, 0.0)  # (forward takes none: its own error is reported)


def fitted(constants: Constants, parts: Sequence[tuple[int, ...]]) -> Constants:
    """``constants`` with each mask array of one value remade for the scores of ``parts``."""
    shape = scores_shape(parts)
    out = []
    for position, name, value in constants:
        if shape is not None and isinstance(value, np.ndarray) and value.size \
                and np.all(value == value.flat[0]):
            value = np.full(shape, value.flat[0], dtype=value.dtype)
        out.append((position, name, value))
    return tuple(out)


def causal(forward_output: ForwardOutput, masks: Sequence[int], names: Sequence[str],
           parts: Sequence[tuple[int, ...]], kept: Constants) -> Constants | None:
    """A causal mask of the scores' shape, in the code's convention; ``None`` if none fits.

    ``parts``: the per-sample shapes of the inputs (:func:`scores_shape`); ``kept``: the
    constants that mask nothing (:func:`neutral`).
    Tried as ``(Lq, Lk)`` then ``(1, Lq, Lk)``, booleans then floats; the first that
    forward takes and that changes its output (it masks something) is the one.
    """
    shape = scores_shape(parts)
    if not kept or shape is None:
        return None
    base = forward_output(kept)
    if base is None:
        return None
    keeps = np.tril(np.ones(shape, dtype=bool))
    zero = forward_output(_given(masks, names, 0.0))
    one = forward_output(_given(masks, names, 1.0))
    if zero is not None and one is not None and _additive(zero, one):
        candidates = [np.where(keeps, 0.0, MASK_FILL)]
    else:
        ones = keeps if bool(np.asarray(kept[0][2]).flat[0]) else ~keeps  # (ones keep?)
        candidates = [ones, ones.astype(np.float64)]
    for candidate in candidates:
        for value in (candidate, candidate[None]):
            given = _given(masks, names, value)
            output = forward_output(given)
            if output is not None and output.shape == base.shape \
                    and not np.allclose(output, base):
                return given
    return None


def _additive(zero: np.ndarray, one: np.ndarray) -> bool:
    """The outputs for masks 0 and 1 agree: the mask is added to the scores."""
    return zero.shape == one.shape and bool(np.allclose(zero, one))


def _spread(output: np.ndarray) -> float:
    """How much the output differs along its first axis after the batch (the queries)."""
    return float(np.std(output, axis=1).mean()) if output.ndim >= 2 else 0.0
