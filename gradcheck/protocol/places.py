"""Places in an object graph where arrays live: attributes, dict keys, list items, sub-objects.

A :class:`Place` is a path from the checked object to one value (``dense.weights``,
``params['W']``, ``layers[2].dweights``): it reads and rebinds that value, and names it
the way a person would write it in Python. :func:`float_arrays` lists every float array
reachable from an object, wherever the code keeps it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = [
    "ATTR",
    "ITEM",
    "KEY",
    "MAX_DEPTH",
    "MAX_ITEMS",
    "Place",
    "attributes",
    "float_arrays",
    "is_user_object",
    "read_attribute",
]

MAX_DEPTH = 4  # sub-objects, containers and their items followed this deep
MAX_ITEMS = 256  # items of one list or dict followed (larger ones are data, not layers)

ATTR, KEY, ITEM = "attr", "key", "item"


@functools.lru_cache(maxsize=1024)
def _slot_names(cls: type) -> tuple[str, ...]:
    found: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name not in ("__dict__", "__weakref__"):
                found.append(name)
    return tuple(found)


def read_attribute(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)``, also None when a property of the user's raises.

    (``output`` as a property that raises until forward ran: "not computed yet".)
    """
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - the user's property: no such value to read
        return None


def attributes(obj: Any) -> dict[str, Any]:
    """The object's own attributes: its ``__dict__`` and any ``__slots__`` that are set."""
    cls: type = type(obj)
    slots = _slot_names(cls)
    own = getattr(obj, "__dict__", None)
    if not slots:
        return dict(own) if isinstance(own, dict) else {}
    found: dict[str, Any] = {}
    for name in slots:
        try:
            found[name] = object.__getattribute__(obj, name)
        except AttributeError:
            continue
    if isinstance(own, dict):
        found.update(own)
    return found


def is_user_object(value: Any) -> bool:
    """Whether ``value`` is an instance of a user's class (worth looking inside)."""
    if isinstance(value, (np.ndarray, np.generic, type, str, bytes, int, float, complex, bool)):
        return False
    if value is None or callable(value) and not hasattr(value, "forward"):
        return False
    module = type(value).__module__ or ""
    if module.startswith(("numpy", "builtins", "random", "scipy", "hypothesis", "gradcheck")):
        return False
    return hasattr(value, "__dict__") or bool(getattr(type(value), "__slots__", None))


class Place:
    """A path from a root object to one value.

    Parameters
    ----------
    root : object
        The checked object.
    steps : tuple of (str, object)
        ``("attr", name)``, ``("key", key)`` or ``("item", index)`` steps.
    """

    __slots__ = ("_plain", "root", "steps")

    def __init__(self, root: Any, steps: tuple[tuple[str, Any], ...]) -> None:
        self.root = root
        self.steps = steps
        # an attribute of the object itself, not of a frozen dataclass: set() rebinds it
        # directly (decided on the first set(): a place is set twice per evaluation)
        self._plain: bool | None = None

    def __repr__(self) -> str:
        return f"Place({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Place) and other.root is self.root and other.steps == self.steps

    def __hash__(self) -> int:
        return hash((id(self.root), self.steps))

    @property
    def name(self) -> str:
        """The last step as a name: the attribute name, or the key, or the index."""
        return str(self.steps[-1][1])

    @property
    def kind(self) -> str:
        """The last step's kind: ``"attr"``, ``"key"`` or ``"item"``."""
        return self.steps[-1][0]

    @property
    def depth(self) -> int:
        """Number of steps."""
        return len(self.steps)

    def parent(self) -> Place:
        """The place of the object or container holding this value."""
        return Place(self.root, self.steps[:-1])

    def child(self, kind: str, key: Any) -> Place:
        """The place one step further."""
        return Place(self.root, (*self.steps, (kind, key)))

    def sibling(self, kind: str, key: Any) -> Place:
        """Another value held by the same object or container."""
        return Place(self.root, (*self.steps[:-1], (kind, key)))

    def get(self, default: Any = None) -> Any:
        """The value at this place, or ``default`` when the path is broken."""
        steps = self.steps
        if len(steps) == 1 and steps[0][0] == ATTR:  # the usual case, fast
            return getattr(self.root, steps[0][1], default)
        value = self.root
        for kind, key in self.steps:
            try:
                if kind == ATTR:
                    value = getattr(value, key)
                else:
                    value = value[key]
            except (AttributeError, KeyError, IndexError, TypeError):
                return default
        return value

    def set(self, new: Any) -> None:
        """Rebind the value at this place (attribute, dict key or list item).

        An item of a tuple or named tuple, or an attribute of a frozen dataclass, is never
        written into: the holder is rebuilt with the new value and rebound in its own
        place (``self.cache = (x, cols, w)`` gets a new tuple).
        """
        steps = self.steps
        kind, key = steps[-1]
        plain = self._plain
        if plain is None:
            cls: type = type(self.root)
            plain = self._plain = len(steps) == 1 and kind == ATTR \
                and not _frozen_dataclass(cls)
        if plain:
            setattr(self.root, key, new)  # the usual case, fast (nothing to rebuild)
            return
        holder = self.root if len(steps) == 1 else self.parent().get()
        rebuilt = _rebuilt(holder, kind, key, new)
        if rebuilt is not None and len(self.steps) > 1:
            self.parent().set(rebuilt)
        elif kind == ATTR:
            setattr(holder, key, new)
        else:
            holder[key] = new

    def settable(self) -> bool:
        """Whether :meth:`set` can rebind this place (not an item of a tuple)."""
        holder = self.parent().get()
        return self.kind == ATTR or isinstance(holder, (dict, list))

    def describe(self) -> str:
        """The path as Python would write it, relative to the object: ``layers[2].dweights``."""
        steps = self.steps
        if len(steps) == 1 and steps[0][0] == ATTR:  # the usual case, fast
            return str(steps[0][1]) or "self"
        text = ""
        for kind, key in self.steps:
            if kind == ATTR:
                text += f".{key}" if text else str(key)
            else:
                text += f"[{key!r}]"
        return text or "self"


def float_arrays(root: Any, *, max_depth: int = MAX_DEPTH) -> Iterator[tuple[Place, np.ndarray]]:
    """Every non-empty float array reachable from ``root``, with the first place it is seen.

    Attributes (also ``_private`` ones and ``__slots__``), dict values, list and tuple items
    and sub-objects are followed, breadth first, so that the shortest name of an array
    comes first. An array reachable under several names is listed under each.
    """
    seen: set[int] = {id(root)}
    queue: list[tuple[Place, Any]] = [(Place(root, ()), root)]
    while queue:
        place, value = queue.pop(0)
        for kind, key, item in _children(value):
            if isinstance(item, np.ndarray):
                if item.dtype.kind == "f" and item.size > 0:
                    yield place.child(kind, key), item
                continue
            if place.depth + 1 >= max_depth or id(item) in seen:
                continue
            if isinstance(item, (dict, list, tuple)) or is_user_object(item):
                seen.add(id(item))
                queue.append((place.child(kind, key), item))


def _children(value: Any) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(value, dict):
        for key in list(value)[:MAX_ITEMS]:
            if isinstance(key, (str, int)):
                yield KEY, key, value[key]
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value[:MAX_ITEMS]):
            yield ITEM, index, item
    else:
        for name, item in attributes(value).items():
            yield ATTR, name, item


@functools.lru_cache(maxsize=1024)
def _frozen_dataclass(cls: type) -> bool:
    """Whether instances of ``cls`` are frozen dataclasses (decided once per class)."""
    if not dataclasses.is_dataclass(cls):
        return False
    params = getattr(cls, "__dataclass_params__", None)
    return params is not None and bool(params.frozen)


def _rebuilt(holder: Any, kind: str, key: Any, new: Any) -> Any:
    """A copy of an immutable ``holder`` with ``new`` at ``key``; ``None`` if mutable."""
    if isinstance(holder, tuple) and kind != ATTR:
        items = list(holder)
        items[key] = new
        return type(holder)(*items) if hasattr(holder, "_fields") else type(holder)(items)
    holder_cls: type = type(holder)
    if kind == ATTR and not isinstance(holder, type) and _frozen_dataclass(holder_cls):
        return dataclasses.replace(holder, **{key: new})
    return None
