"""What a parameter is, observed rather than guessed from names.

Parameters are the float arrays reachable from the object (attributes, also private ones,
dicts and lists of arrays, sub-objects and lists of sub-objects) for which backward gives
a gradient, wherever the code puts it: ``d<name>`` beside the array (``d_<name>``,
``d<Name>``), a ``grads`` dict or list parallel to the parameters, the sub-object's own
``d<name>``. A float array without a gradient is a **constant** (a mask, an offset, running
statistics, an alias or a view of a parameter), unless its name is a conventional
parameter name (then its gradient is missing: a bug) or forward rebinds it with new
values on every call (then it is a cache, not worth listing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcheck.protocol import names
from gradcheck.protocol.observe import Where
from gradcheck.protocol.places import ATTR, ITEM, KEY, Place, attributes, float_arrays

__all__ = [
    "PARAMETER_GRADIENTS",
    "PARAMETER_VALUES",
    "Candidates",
    "Parameter",
    "expected_gradient",
    "find_candidates",
    "gradient_of",
    "preferred",
    "regularizer_of",
]


@dataclass
class Parameter:
    """One parameter array: where it lives, where its gradient is, its regularizers."""

    label: str
    place: Place
    value: np.ndarray
    gradient: Where | None = None
    gradient_label: str = ""
    reg: tuple[float, float] = (0.0, 0.0)
    shared: bool = False  # shares memory with another array the object holds


@dataclass
class Candidates:
    """Float arrays that may be parameters, grouped by identity (aliases share a group)."""

    groups: list[list[Place]] = field(default_factory=list)
    arrays: list[np.ndarray] = field(default_factory=list)


def _in_gradient_container(place: Place) -> bool:
    return any(
        kind == ATTR and (key in names.GRADIENT_CONTAINERS or str(key).startswith("d_param"))
        for kind, key in place.steps
    )


def _protocol_array(place: Place, siblings: Any) -> bool:
    """Inputs, outputs and gradients of the protocol itself, at any depth.

    ``siblings``: the other names in the same object or dict (``dW`` beside ``W`` is
    ``W``'s gradient).
    """
    kind, key = place.steps[-1]
    if kind == ATTR and (key in names.RESERVED or names.bare(key) in names.RESERVED):
        return True
    if kind == ITEM or not isinstance(key, str):
        return False
    return any(stem in siblings for stem in names.gradient_stems(key))


def _siblings(holder: Any) -> Any:
    if isinstance(holder, dict):
        return holder
    if isinstance(holder, (list, tuple)):
        return ()
    return attributes(holder)


def find_candidates(obj: Any, exclude: Iterable[np.ndarray] = ()) -> Candidates:
    """Float arrays reachable from ``obj`` that are not the protocol's own arrays.

    ``exclude``: arrays known not to be parameters (the inputs and output of a pass).
    """
    excluded = {id(a) for a in exclude}
    found = Candidates()
    index: dict[int, int] = {}
    holders: dict[int, Any] = {}
    for place, array in float_arrays(obj):
        if id(array) in excluded or (place.depth > 1 and _in_gradient_container(place)):
            continue
        holder = obj if place.depth == 1 else place.parent().get()
        if id(holder) not in holders:
            holders[id(holder)] = _siblings(holder)
        if _protocol_array(place, holders[id(holder)]):
            continue
        if id(array) in index:
            found.groups[index[id(array)]].append(place)
            continue
        index[id(array)] = len(found.arrays)
        found.groups.append([place])
        found.arrays.append(array)
    return found


#: a parameter object's value and gradient (``W.data`` and ``W.grad``, a micro-framework's
#: ``Parameter``): the gradient beside the value, whatever the numbers say
PARAMETER_VALUES = ("data", "value", "val")
PARAMETER_GRADIENTS = ("grad", "gradient", "g")


def gradient_of(place: Place) -> Place | None:
    """Where backward put the gradient of the array at ``place`` (None: nowhere found)."""
    if place.kind == ATTR:
        # the usual case, without building every candidate place
        owner = place.parent().get()
        own = attributes(owner)
        for name in names.gradient_names(place.name):
            if isinstance(own.get(name), np.ndarray):
                return place.sibling(ATTR, name)
        if place.depth > 1 and place.name in PARAMETER_VALUES:
            value = place.get()
            for name in PARAMETER_GRADIENTS:
                grad = own.get(name)
                if isinstance(grad, np.ndarray) and grad.shape == np.shape(value):
                    return place.sibling(ATTR, name)
        if not any(c in own for c in names.GRADIENT_CONTAINERS):
            return None
    for candidate in _gradient_places(place):
        if isinstance(candidate.get(), np.ndarray):
            return candidate
    return None


def expected_gradient(place: Place) -> Place:
    """The most usual place for the gradient of ``place`` (named when it is missing)."""
    places = _gradient_places(place)
    return places[0]


def _gradient_places(place: Place) -> list[Place]:
    kind, key = place.steps[-1]
    if kind == ATTR:
        out = [place.sibling(ATTR, n) for n in names.gradient_names(key)]
        for container in names.GRADIENT_CONTAINERS:
            holder = place.sibling(ATTR, container)
            out += [holder.child(KEY, names.bare(key)), holder.child(KEY, f"d{names.bare(key)}")]
        return out
    if place.depth < 2:
        return []
    holder = place.parent()  # the dict or list holding the parameter
    hkind, hname = holder.steps[-1]
    out = []
    if hkind == ATTR:
        containers = [*names.GRADIENT_CONTAINERS, f"d{hname}", f"d_{hname}", f"{hname}_grads"]
        for container in dict.fromkeys(containers):
            if container == hname:
                continue
            grads = holder.sibling(ATTR, container)
            if kind == KEY:
                out += [grads.child(KEY, key), grads.child(KEY, f"d{key}")]
            else:
                out.append(grads.child(ITEM, key))
    if kind == KEY and isinstance(key, str):
        # CS231n-style: params['W'] with self.dW beside the dict
        out += [holder.sibling(ATTR, n) for n in names.gradient_names(key)]
    return out


def regularizer_of(place: Place) -> tuple[float, float]:
    """L1/L2 factors of a parameter held as an attribute (book style), else zeros."""
    if place.kind != ATTR:
        return 0.0, 0.0
    owner = place.parent().get()
    return names.regularizer(owner, place.name, attributes(owner))


def preferred(places: list[Place]) -> Place:
    """Of several names for one array, the one a person would call it by."""
    return min(places, key=lambda p: (p.depth, any(str(k).startswith("_") for _, k in p.steps)))
