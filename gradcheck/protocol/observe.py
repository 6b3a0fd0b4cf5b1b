"""What a backward call produced, observed rather than looked up by name.

Backward may bind new arrays (``self.dinput``, ``self.gradients['dLdW']``), write into
arrays it already had (``self.grad[...] = ...``, ``+=``) or return them (an array, a tuple
in argument order, a dict). :class:`Observation` records all of these for one call;
:func:`match` pairs each with the input or parameter of the same shape, the names only
breaking ties (see :mod:`gradcheck.protocol.names`).

Where a gradient was found is a :class:`Place` (an attribute, a dict key, a list item),
a :class:`Returned` (a position in what backward returned) or an :class:`Update` (the
parameter's own change during a ``backward(grad, learning_rate)`` call).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.protocol import names
from gradcheck.protocol.places import ATTR, Place, float_arrays

__all__ = ["Before", "Observation", "Returned", "Update", "Where", "closeness", "returned_arrays"]


@dataclass(frozen=True)
class Returned:
    """A gradient in what backward returned: ``returned``, ``returned[1]``, ``returned['W']``."""

    path: tuple[Any, ...] = ()

    def read(self, returned: Any) -> Any:
        """The value at this path of ``returned`` (None when the path is broken)."""
        value = returned
        for key in self.path:
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                return None
        return value

    def describe(self) -> str:
        """``returned[1]``."""
        return "returned" + "".join(f"[{k!r}]" for k in self.path)

    @property
    def name(self) -> str:
        """The last key (for name hints), or ``returned``."""
        return str(self.path[-1]) if self.path else "returned"


@dataclass(frozen=True)
class Update:
    """A parameter gradient read from the update backward applies at a learning rate."""

    label: str
    rate: float

    def describe(self) -> str:
        """``update of weights at learning_rate 0.001``."""
        return f"update of {self.label} at learning_rate {self.rate:g}"

    @property
    def name(self) -> str:
        """The parameter's label."""
        return self.label


Where = Place | Returned | Update


def returned_arrays(returned: Any, depth: int = 2) -> list[tuple[Returned, np.ndarray]]:
    """Float arrays in a backward's return value, with their paths.

    Two levels deep: ``(dx, dW, db)``, ``{'W': dW}``, and ``(dx, {'W': dW, 'b': db})``.
    """
    if isinstance(returned, np.ndarray):
        return [(Returned(), returned)] if returned.dtype.kind == "f" else []
    items: Iterable[tuple[Any, Any]]
    if isinstance(returned, (tuple, list)):
        items = enumerate(returned)
    elif isinstance(returned, dict):
        items = returned.items()
    else:
        return []
    out: list[tuple[Returned, np.ndarray]] = []
    for k, v in items:
        if isinstance(v, np.ndarray):
            if v.dtype.kind == "f" and v.size:
                out.append((Returned((k,)), v))
        elif depth > 1 and isinstance(v, (tuple, list, dict)):
            out += [(Returned((k, *r.path)), a) for r, a in returned_arrays(v, depth - 1)
                    if r.path]
    return out


@dataclass
class Before:
    """The float arrays reachable before a call: identity and a copy, per place."""

    arrays: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def take(cls, obj: Any, skip: Iterable[int] = ()) -> Before:
        """Record ``obj``'s arrays (those in ``skip``, by id, are not copied)."""
        skipped = set(skip)
        out = cls()
        for place, array in float_arrays(obj):
            if id(array) not in skipped:
                out.arrays[place.describe()] = (id(array), array.copy())
        return out


@dataclass
class Observation:
    """What one backward call produced: arrays bound, written into, or returned."""

    produced: list[tuple[Where, np.ndarray]] = field(default_factory=list)

    @classmethod
    def of(cls, obj: Any, before: Before, returned: Any, skip: Iterable[int] = ()) -> Observation:
        """Compare ``obj``'s arrays with ``before`` and collect ``returned``'s arrays."""
        skipped = set(skip)
        out = cls()
        for place, array in float_arrays(obj):
            if id(array) in skipped:
                continue
            old = before.arrays.get(place.describe())
            if old is None or old[0] != id(array) or old[1].shape != array.shape \
                    or old[1].tobytes() != array.tobytes():
                out.produced.append((place, array.copy()))
        out.produced += [(w, np.array(a, copy=True)) for w, a in returned_arrays(returned)]
        return out

    def of_shape(self, shape: tuple[int, ...], taken: set[str],
                 of: str | None = None) -> list[tuple[Where, np.ndarray]]:
        """The produced arrays of ``shape`` that may be gradients and are not yet taken.

        An attribute named like a parameter (``self.bias`` set by backward) is no gradient:
        it is the book's typo for ``dbiases``, and reported as that; so is the gradient
        name of parameter ``of`` in the other number (``dweight`` for ``weights``).
        """
        found = []
        slips = names.gradient_names(of) if of is not None else ()
        for where, array in self.produced:
            if array.shape != tuple(shape) or where.describe() in taken:
                continue
            if any(names.number_slip(where.name, g) for g in slips):
                continue
            if isinstance(where, Place) and where.kind == ATTR \
                    and (names.is_conventional(where.name)
                         or names.bare(where.name) in names.RESERVED
                         and where.name not in names.DINPUTS_NAMES):
                continue
            found.append((where, array))
        return found


def closeness(where: Where, target: str) -> float:
    """How much ``where``'s name looks like the gradient of ``target`` (0 to 1)."""
    name = where.name.lower()
    stem = names.bare(target).lower()
    best = max(difflib.SequenceMatcher(None, name, g.lower()).ratio()
               for g in (*names.gradient_names(stem), stem))
    return best + (0.5 if name in {g.lower() for g in names.gradient_names(stem)} else 0.0)
