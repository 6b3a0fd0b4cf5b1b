"""The inputs a layer accepts: shapes, widths and value domains to try, in order.

A layer is probed with candidate inputs until its forward accepts one (no exception, an
output that keeps the batch axis and is finite):

1. 2-D ``(n, width)`` batches, the width from a constructor size argument (``n_inputs``)
   or a small default, with real values in ``[-1, 1]``; then the same with positive values
   (``log``/``sqrt`` layers reject negatives or give NaN for them);
2. other widths: even ones and multiples (pooling over pairs), ``channels * length`` when a
   constructor argument names channels (a 1-D convolution over flattened rows);
3. 3-D ``(n, T, width)`` (sequences) and 4-D ``(n, C, H, W)`` (images) with ``C`` from a
   ``channels``-like argument and ``H, W`` large enough for a ``kernel_size``, then
   channels last ``(n, H, W, C)`` for windowed layers; 3-D
   ``(n, C, L)`` and ``(n, L, C)`` sequences long enough for the window (1-D
   convolutions); an output with an axis of length 0 is refused;
4. integer ids below a ``vocab_size``-like argument (embeddings).

Whether the layer may also be fed large magnitudes (``|x|`` up to
:data:`LARGE_MAGNITUDE`, where overflow-only bugs such as an unshifted softmax live) is
decided by :func:`takes_large_inputs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Candidate",
    "LARGE_MAGNITUDE",
    "accepted",
    "candidates",
    "probe_inputs",
    "takes_large_inputs",
]

# Largest magnitude of the "large" examples: above 709, exp overflows in float64.
LARGE_MAGNITUDE = 1e3
_CHANNEL_NAMES = ("in_channels", "channels", "n_channels", "num_channels", "input_channels",
                  "c_in", "n_input_channels")
_KERNEL_NAMES = ("kernel_size", "kernel", "filter_size", "pool_size", "window", "size", "f",
                 "window_size", "pool", "ksize", "kernel_width", "filter_width",
                 "kernel_length", "filter_length")
_VOCAB_NAMES = ("vocab_size", "num_embeddings", "n_vocab", "vocab", "vocabulary_size",
                "n_tokens", "num_tokens", "input_dim")
_EXTRA_WIDTHS = (4, 6, 8, 12)


@dataclass(frozen=True)
class Candidate:
    """One way to feed a layer: a per-sample shape and a value domain.

    ``sized`` is true when the shape follows the constructor's size argument
    ``size_name`` (then the checks draw sizes per example); otherwise the sizes used while
    probing are kept fixed for the checks.
    """

    shape: tuple[int, ...]
    domain: str = "real"  # "real" | "positive" | "ids"
    size_name: str | None = None
    high: int | None = None
    sized: bool = False

    def describe(self) -> str:
        """``(n, 3, 8, 8) positive values`` etc., for notes."""
        shape = "(n, " + ", ".join(map(str, self.shape)) + ")"
        what = {"real": "real values", "positive": "positive values",
                "ids": f"integer ids below {self.high}"}[self.domain]
        return f"{shape} {what}"


def _first(values: dict[str, Any], names: tuple[str, ...]) -> int | None:
    for name in names:
        value = values.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _kernel(arguments: dict[str, Any]) -> int:
    """The largest window side among the constructor arguments (``(3, 3)`` counts)."""
    sides = [1]
    for name in _KERNEL_NAMES:
        value = arguments.get(name)
        if isinstance(value, tuple) and value and all(isinstance(v, int) for v in value):
            sides.append(max(value))
    return max([*sides, _first(arguments, _KERNEL_NAMES) or 1])


def candidates(widths: list[tuple[str | None, int]], arguments: dict[str, Any],
               sized: bool, seen_channels: list[int] | None = None,
               sequence_channels: list[int] | None = None) -> list[Candidate]:
    """The candidate inputs of a layer, most ordinary first.

    Parameters
    ----------
    widths : list of (str or None, int)
        2-D widths to try first: ``(size argument it equals, width)``.
    arguments : dict
        The constructor arguments used while probing (fixed and generated).
    sized : bool
        Whether the first widths follow a generated size argument.
    seen_channels : list of int, optional
        Channel counts read from 4-D parameters (``(F, C, kh, kw)``: ``C``).
    sequence_channels : list of int, optional
        Channel counts read from 3-D parameters (a 1-D convolution's ``(F, C, k)`` or
        ``(k, C, F)``: ``C``): sequences ``(C, L)`` and ``(L, C)`` are tried after the
        others.
    """
    out: list[Candidate] = []
    # an input shape given to the constructor (input_shape=(C, H, W)) comes first
    given = [tuple(v) for k, v in arguments.items() if "shape" in k.lower()
             and "w" not in k.lower().split("_") and isinstance(v, tuple) and 1 <= len(v) <= 3
             and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in v)]
    kernel = _kernel(arguments)
    side = max(6, kernel + 3)
    for shape in given:
        if len(shape) >= 2 and min(shape[-2:]) > side + 1 and shape[-2] * shape[-1] > 100:
            # a large image (input_shape=(3, 32, 32), (28, 28)): a small one first, odd
            # and non-square, when forward takes it (a finite-difference check of 3072
            # inputs per sample through Python loops takes minutes)
            out.append(Candidate((*shape[:-2], side - 1, side + 1)))
        out.append(Candidate(shape))
    for domain in ("real", "positive"):
        out += [Candidate((w,), domain, name, sized=sized and name is not None)
                for name, w in widths]
    channels = _first(arguments, _CHANNEL_NAMES)
    vocab = _first(arguments, _VOCAB_NAMES)
    extra = [w for w in _EXTRA_WIDTHS if all(w != v for _, v in widths)]
    if channels is not None:
        extra.insert(0, channels * max(4, kernel + 2))
    for domain in ("real", "positive"):
        out += [Candidate((w,), domain) for w in extra]
    width = widths[0][1] if widths else 4
    windowed = channels is not None or kernel > 1 or bool(seen_channels) \
        or bool(sequence_channels)
    for domain in ("real", "positive"):
        out.append(Candidate((4, width), domain))
        for c in dict.fromkeys([channels or 1, *(seen_channels or []), 3, 1]):
            # windowed layers (channels, a kernel, 4-D weights): odd and non-square first,
            # sizes a stride-2 window does not cover, where rows and columns of the input
            # get no gradient (then the square one)
            if windowed:
                out.append(Candidate((c, side - 1, side + 1), domain))
            out.append(Candidate((c, side, side), domain))
        if windowed:
            # images channels last (n, H, W, C), as Keras and TensorFlow keep them
            out += [Candidate((side - 1, side + 1, c), domain)
                    for c in dict.fromkeys([channels or 1, *(seen_channels or []), 3, 1])]
        if channels is not None:
            out.append(Candidate((channels, side), domain))
        if windowed:
            # a sequence, channels last (n, length, channels), long enough for the window
            # (a 1-D convolution whose window is longer than the (4, width) above)
            out.append(Candidate((side, width), domain))
        for c in dict.fromkeys(sequence_channels or []):
            out += [Candidate((c, side), domain), Candidate((side, c), domain)]
    if vocab is not None:
        out += [Candidate((4,), "ids", high=vocab), Candidate((), "ids", high=vocab)]
    return out


def vocabulary(arguments: dict[str, Any]) -> int | None:
    """The ``vocab_size``-like constructor argument, if any (ids are below it)."""
    return _first(arguments, _VOCAB_NAMES)


def probe_inputs(candidate: Candidate, batch: int, rng: np.random.Generator,
                 magnitude: float = 1.0) -> np.ndarray:
    """A probe batch for ``candidate``: ``(batch, *shape)``."""
    shape = (batch, *candidate.shape)
    if candidate.domain == "ids":
        assert candidate.high is not None
        return rng.integers(0, candidate.high, size=shape)
    values = rng.uniform(-magnitude, magnitude, size=shape)
    if candidate.domain == "positive":
        values = np.abs(values) + 0.1 * magnitude
    return values


def accepted(output: Any, batch: int) -> bool:
    """Forward's output keeps the batch axis, is finite and not empty.

    An output with an axis of length 0 (a window longer than the sequence it slides
    over: ``(n, channels, 0)``) has nothing to check: the next candidate is tried.
    """
    return (isinstance(output, np.ndarray) and output.ndim >= 1 and output.shape[0] == batch
            and output.size > 0
            and output.dtype.kind in "fc" and bool(np.all(np.isfinite(output))))


def takes_large_inputs(moderate: np.ndarray, large: np.ndarray | None) -> bool:
    """Feed large magnitudes too: forward stays finite on them, or is bounded anyway.

    A map whose outputs stay in ``[-1, 1]`` on moderate inputs (sigmoid, tanh, softmax) is
    bounded, so a non-finite output on large inputs is a bug worth reporting; one that
    grows (``exp``) legitimately overflows, so it is only fed what it stays finite on.
    """
    if large is not None and np.all(np.isfinite(large)):
        return True
    return bool(np.all(np.abs(moderate) <= 1.0 + 1e-12))
