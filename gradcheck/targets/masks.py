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

__all__ = ["MASK_FILL", "causal", "neutral"]

#: what a dropped position gets in an additive mask (``-inf`` gives NaN in some code)
MASK_FILL = -1e9

Constants = tuple[tuple[int, str, Any], ...]
ForwardOutput = Callable[[Constants], "np.ndarray | None"]


def _given(masks: Sequence[int], names: Sequence[str], value: Any) -> Constants:
    return tuple((i, names[i], value) for i in masks)


def neutral(forward_output: ForwardOutput, masks: Sequence[int],
            names: Sequence[str]) -> Constants:
    """The value of each mask argument that masks nothing: ``0.0`` or ``1.0``, observed.

    An additive mask (``scores + mask``) leaves the output as it is for either (softmax
    does not see a constant shift): ``0.0``. A mask of ones that keeps (``np.where(mask,
    scores, -1e9)``) or of ones that drop masks everything with one of the two values,
    and every query then gets the same output: the value whose outputs differ most from
    query to query is the one that keeps.
    """
    zero = forward_output(_given(masks, names, 0.0))
    one = forward_output(_given(masks, names, 1.0))
    if zero is None or one is None:
        chosen = 1.0 if zero is None and one is not None else 0.0
    elif _additive(zero, one):
        chosen = 0.0
    else:
        chosen = 1.0 if _spread(one) > _spread(zero) else 0.0
    return _given(masks, names, chosen)


def causal(forward_output: ForwardOutput, masks: Sequence[int], names: Sequence[str],
           parts: Sequence[tuple[int, ...]], kept: Constants) -> Constants | None:
    """A causal mask of the scores' shape, in the code's convention; ``None`` if none fits.

    ``parts``: the per-sample shapes of the inputs (queries ``(Lq, d)`` first, keys
    ``(Lk, d)`` second; one sequence ``(L, d)`` alone is self-attention, ``Lq = Lk = L``);
    ``kept``: the constants that mask nothing (:func:`neutral`).
    Tried as ``(Lq, Lk)`` then ``(1, Lq, Lk)``, booleans then floats; the first that
    forward takes and that changes its output (it masks something) is the one.
    """
    sequences = [shape for shape in parts[:2] if len(shape) >= 2]
    if not kept or not parts or len(sequences) != min(len(parts), 2):
        return None
    lq, lk = sequences[0][0], sequences[-1][0]
    base = forward_output(kept)
    if base is None:
        return None
    keeps = np.tril(np.ones((lq, lk), dtype=bool))
    zero = forward_output(_given(masks, names, 0.0))
    one = forward_output(_given(masks, names, 1.0))
    if zero is not None and one is not None and _additive(zero, one):
        candidates = [np.where(keeps, 0.0, MASK_FILL)]
    else:
        ones = keeps if kept[0][2] == 1.0 else ~keeps
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
