"""Several inputs or outputs of one call, seen by the engine as one array.

``forward(a, b)``, ``forward([a, b])`` (Add and Multiply layers taking a list),
``forward(Q, K, V)`` and tuple outputs (an LSTM cell's ``(h, c)``): every part keeps its
batch axis first; the engine sees their per-sample values side by side in one
``(samples, total)`` array, so that stacking rows and perturbing elements work unchanged.

An argument named as a mask (``forward(q, k, v, mask)``) is no input to differentiate: it
is a constant, given to every call where it stands (:attr:`Packing.constants`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MASK_NAMES", "Packing", "describe_constant", "float_output", "is_mask"]

#: names of a forward argument that is a mask: a constant, never differentiated
MASK_NAMES = frozenset({
    "mask", "attn_mask", "attention_mask", "key_padding_mask", "padding_mask", "src_mask",
    "tgt_mask", "causal_mask", "masks",
})


def is_mask(name: str) -> bool:
    """Whether a forward argument named ``name`` is a mask (a constant)."""
    return name.lower() in MASK_NAMES


def describe_constant(value: Any) -> str:
    """A constant as a report shows it: ``0.0``; ``a causal bool array of shape (4, 5)``.

    An array is named by its shape; a causal one (lower-triangular kept positions, in any
    convention: ones keep, ones drop, or ``0`` keeps in an additive mask) says so, with
    its dtype.
    """
    if np.ndim(value) == 0:
        return repr(value)
    array = np.asarray(value)
    if array.ndim >= 2 and math.prod(array.shape[:-2]) == 1:
        square = array.reshape(array.shape[-2:])
        keeps = np.tril(np.ones(square.shape, dtype=bool))
        if any(np.array_equal(pattern, keeps) for pattern in (square != 0, square == 0)):
            return f"a causal {array.dtype} array of shape {array.shape}"
    if array.size and np.all(array == array.flat[0]):
        return f"a {array.dtype} array of shape {array.shape}, all {array.flat[0].item()!r}"
    return f"an array of shape {array.shape}"


@dataclass(frozen=True)
class Packing:
    """How several batch-first arrays sit side by side in one ``(samples, total)`` array.

    Attributes
    ----------
    shapes : tuple of tuple of int
        Each part's per-sample shape (its shape without the batch axis).
    as_list : bool
        The parts are given to the call as one list (``forward([a, b])``), not as
        several arguments.
    names : tuple of str
        The parts' names in reports (the call's argument names, else ``inputs[i]``).
    constants : tuple of (int, str, object)
        Arguments that are not differentiated (a mask): their position in the call, name
        and value, given as they are to every call.
    """

    shapes: tuple[tuple[int, ...], ...]
    as_list: bool = False
    names: tuple[str, ...] = ()
    constants: tuple[tuple[int, str, Any], ...] = ()

    @classmethod
    def of(cls, parts: Sequence[np.ndarray], *, as_list: bool = False,
           names: Sequence[str] = ()) -> Packing:
        """The packing of ``parts`` (arrays with the same number of samples)."""
        labels = tuple(names) if len(names) == len(parts) else \
            tuple(f"inputs[{i}]" for i in range(len(parts)))
        return cls(tuple(tuple(p.shape[1:]) for p in parts), as_list, labels)

    @property
    def arity(self) -> int:
        """How many positional arguments the call takes (constants included)."""
        return 1 if self.as_list else len(self.shapes) + len(self.constants)

    @property
    def sizes(self) -> list[int]:
        """Values per sample of each part."""
        return [math.prod(s) for s in self.shapes]

    def fits(self, parts: Any) -> bool:
        """Whether ``parts`` is a sequence of arrays of these per-sample shapes."""
        return isinstance(parts, (tuple, list)) and len(parts) >= len(self.shapes) and all(
            isinstance(p, np.ndarray) and p.ndim >= 1 and tuple(p.shape[1:]) == s
            for p, s in zip(parts, self.shapes, strict=False))

    def pack(self, parts: Sequence[Any]) -> np.ndarray:
        """The parts side by side, ``(samples, total)``, in float64."""
        rows = np.asarray(parts[0]).shape[0]
        return np.concatenate([np.asarray(p, dtype=np.float64).reshape(rows, -1)
                               for p in parts[: len(self.shapes)]], axis=1)

    def unpack(self, x: np.ndarray) -> list[np.ndarray]:
        """The parts of a packed array (copies: a call may keep or change them)."""
        rows, out, start = x.shape[0], [], 0
        for shape, size in zip(self.shapes, self.sizes, strict=True):
            out.append(np.array(x[:, start:start + size].reshape(rows, *shape), copy=True))
            start += size
        return out

    def arguments(self, x: np.ndarray) -> tuple[Any, ...]:
        """The call's positional arguments for packed ``x`` (constants where they stand)."""
        parts: list[Any] = self.unpack(x)
        if self.as_list:
            return (parts,)
        for position, _, value in self.constants:
            parts.insert(position, value)
        return tuple(parts)

    def describe(self) -> str:
        """``a (5, 3) and b (5, 4)``-like text for notes."""
        text = ", ".join(f"{n} {('samples', *s)}" for n, s in zip(self.names, self.shapes,
                                                                  strict=True))
        for _, name, value in self.constants:
            shown = describe_constant(value)
            text += f"; {name} = {shown} (a constant, not differentiated)"
        return text


def float_output(returned: Any) -> Any:
    """The one float array of a returned tuple, or ``returned`` itself.

    ``return out, indices`` (a max pool keeping its argmax), ``return out, cache``: the
    float array is the output; integer arrays, dicts and numbers beside it are not
    differentiable. A tuple of several float arrays (an LSTM cell's ``(h, c)``) is
    returned as it is (each output gets an upstream gradient).
    """
    if not isinstance(returned, (tuple, list)) or len(returned) < 2:
        return returned
    floats = [r for r in returned if isinstance(r, np.ndarray) and r.dtype.kind in "fc"]
    return floats[0] if len(floats) == 1 else returned
