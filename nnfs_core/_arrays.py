"""Array helpers shared by the layers: gradients are always floating point."""

import numpy as np
from numpy.typing import ArrayLike


def float_array(values: ArrayLike, *, copy: bool) -> np.ndarray:
    """Return ``values`` as a floating array; float32 stays float32, integers become float64.

    The document feeds integer arrays (cells 21 and 22); a gradient computed in their dtype
    would be truncated, so every backward goes through here. ``copy=True`` guarantees a new
    array the caller may write into without touching ``values``.
    """
    values = np.asarray(values)
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    return np.array(values, dtype=dtype) if copy else np.asarray(values, dtype=dtype)


def upstream(dvalues: ArrayLike, output: np.ndarray) -> np.ndarray:
    """``dvalues`` as a floating array of ``output``'s shape, else a ``ValueError``.

    Broadcasting would silently accept, say, one row of gradients for a whole batch.
    """
    dvalues = float_array(dvalues, copy=False)
    if dvalues.shape != np.shape(output):
        raise ValueError(
            f"dvalues has shape {dvalues.shape}, but the forward output has shape "
            f"{np.shape(output)}: give one gradient per output element"
        )
    return dvalues
