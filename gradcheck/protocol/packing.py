"""Several inputs or outputs of one call, seen by the engine as one array.

``forward(a, b)``, ``forward([a, b])`` (Add and Multiply layers taking a list),
``forward(Q, K, V)`` and tuple outputs (an LSTM cell's ``(h, c)``): every part keeps its
batch axis first; the engine sees their per-sample values side by side in one
``(samples, total)`` array, so that stacking rows and perturbing elements work unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Packing"]


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
    """

    shapes: tuple[tuple[int, ...], ...]
    as_list: bool = False
    names: tuple[str, ...] = ()

    @classmethod
    def of(cls, parts: Sequence[np.ndarray], *, as_list: bool = False,
           names: Sequence[str] = ()) -> Packing:
        """The packing of ``parts`` (arrays with the same number of samples)."""
        labels = tuple(names) if len(names) == len(parts) else \
            tuple(f"inputs[{i}]" for i in range(len(parts)))
        return cls(tuple(tuple(p.shape[1:]) for p in parts), as_list, labels)

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
        """The call's positional arguments for packed ``x``."""
        parts = self.unpack(x)
        return (parts,) if self.as_list else tuple(parts)

    def describe(self) -> str:
        """``a (5, 3) and b (5, 4)``-like text for notes."""
        return ", ".join(f"{n} {('samples', *s)}" for n, s in zip(self.names, self.shapes,
                                                                  strict=True))
