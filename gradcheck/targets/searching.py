"""Constructor settings found by search, and the values bugs hide at.

Arguments that are not sizes (``n_inputs``) nor conventional guesses (``rate``) are read
from their names: shapes (``input_shape``, ``w_shape``) are tuples, windows (``f``,
``window``, ``pool``) small ints or pairs, ``stride`` and ``padding`` small ints, names
(``name``) strings. Each name has a short list of values, tried in order until the class
builds and its forward takes an input (:func:`alternatives`); the first that works is
checked. Then :func:`variants` adds the builds bugs hide at: padding 0 (a backward that
strips the padding with ``[p:-p]``), a stride of 2 where the stride is 1 (a backward that
ignores the stride), a stride below the window (overlapping windows, whose gradients
must add up).
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["PADDING_NAMES", "STRIDE_NAMES", "WINDOW_NAMES", "alternatives", "values_for",
           "variants"]

# name -> values to try, in order
_SHAPES: dict[str, list[Any]] = {
    "input_shape": [(2, 5, 7), (5, 7, 2)],
    "in_shape": [(2, 5, 7), (5, 7, 2)],
    "image_shape": [(2, 5, 7), (5, 7, 2)],
    "shape": [(2, 5, 7), (5, 7, 2)],
    "w_shape": [(3, 2, 2, 2), (2, 2, 2, 3)],
    "weight_shape": [(3, 2, 2, 2), (2, 2, 2, 3)],
    "weights_shape": [(3, 2, 2, 2), (2, 2, 2, 3)],
    "kernel_shape": [(2, 2), (3, 2, 2, 2)],
    "filter_shape": [(3, 2, 2, 2), (2, 2, 2, 3)],
}
WINDOW_NAMES = ("f", "window", "window_size", "pool", "ksize", "field", "kernel_size",
                "pool_size", "filter_size", "kernel", "size")
_WINDOW_VALUES = [2, 3, (2, 2)]
STRIDE_NAMES = ("stride", "strides")
PADDING_NAMES = ("padding", "pad", "pad_size", "zero_padding")
_NAME_NAMES = ("name", "layer_name", "label", "title", "scope")


def values_for(name: str) -> list[Any] | None:
    """The values to try for a required argument named ``name``, or ``None``."""
    lowered = name.lower()
    if lowered in _SHAPES:
        return list(_SHAPES[lowered])
    if lowered.endswith("_shape"):
        return [(2, 5, 7), (3, 2, 2, 2)]
    if lowered in WINDOW_NAMES:
        return list(_WINDOW_VALUES)
    if lowered in STRIDE_NAMES:
        return [1, 2]
    if lowered in PADDING_NAMES:
        return [1, 0]
    if lowered in _NAME_NAMES:
        return ["layer"]
    return None


def alternatives(searched: dict[str, list[Any]], limit: int = 8) -> list[dict[str, Any]]:
    """Combinations of the searched values, first values first (at most ``limit``)."""
    names = list(searched)
    combos = itertools.product(*(searched[n] for n in names))
    return [dict(zip(names, c, strict=True)) for c in itertools.islice(combos, limit)]


def _window(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
        return min(value)
    return None


def variants(used: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The settings bugs hide at: changes to the arguments ``used`` (defaults included).

    Each comes with what it is: padding 0 when the padding used is not 0 ("padding 0");
    a stride of 2 when the stride used is 1 ("stride 2": a backward that ignores the
    stride, ``[i:i+k]`` for ``[i*s:i*s+k]``, is right at stride 1 only); a stride one
    below the window when the stride used is not below it ("overlapping windows";
    ``None`` reads as "the window").
    """
    out: list[tuple[dict[str, Any], str]] = []
    lowered = {k.lower(): k for k in used}
    padding = next((lowered[n] for n in PADDING_NAMES if n in lowered), None)
    if padding is not None and isinstance(used[padding], int) and used[padding] != 0:
        out.append(({padding: 0}, "padding 0"))
    stride = next((lowered[n] for n in STRIDE_NAMES if n in lowered), None)
    window_name = next((lowered[n] for n in WINDOW_NAMES if n in lowered
                        and _window(used[lowered[n]]) is not None), None)
    if stride is not None and _window(used[stride]) == 1 and not isinstance(used[stride],
                                                                           tuple):
        out.append(({stride: 2}, "stride 2"))
    elif stride is not None and window_name is not None:
        window = _window(used[window_name])
        value = used[stride]
        current = window if value is None else _window(value)
        if window is not None and window >= 2 and current is not None and current >= window:
            out.append(({stride: window - 1}, "overlapping windows"))
    return out
