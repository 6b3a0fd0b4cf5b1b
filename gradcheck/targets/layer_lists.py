"""Containers built from a list of layers: ``Sequential(layers)``, ``Network(modules)``.

A container's constructor takes the layers it chains; its forward runs them in order and
its backward in reverse. The checker gives it a small network of the module's own layer
classes (:func:`layer_list`): a dense-like class (two sizes, input and output) with an
activation-like class (no arguments) between two of them, ``[Linear(4, 3), Tanh(),
Linear(3, 2)]``, or whatever of these the module has. Then the container's wiring (its
loop over the layers, the order of backward, what it passes between them) is checked as
one layer, with every nested parameter.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any, cast

from gradcheck.protocol.derivative import required_names
from gradcheck.protocol.roles import method_names

__all__ = ["LIST_NAMES", "ShownList", "layer_list"]

#: a container's constructor argument that is the list of its layers
LIST_NAMES = frozenset({"layers", "modules", "blocks", "children", "layer_list", "stack",
                        "sublayers", "components"})


class ShownList(list[Any]):
    """A list of layers shown by the classes and sizes it was built with."""

    def __init__(self, items: list[Any], shown: str) -> None:
        super().__init__(items)
        self.shown = shown

    def __repr__(self) -> str:
        return self.shown


def _layer_classes(container: type) -> tuple[list[type], list[type]]:
    """The module's dense-like (two required arguments) and argument-free layer classes."""
    module = sys.modules.get(container.__module__)
    dense: list[type] = []
    free: list[type] = []
    for value in vars(module).values() if module is not None else ():
        if not isinstance(value, type) or value.__module__ != container.__module__ \
                or issubclass(value, container) or issubclass(container, value) \
                or None in method_names(cast(Any, value)) or inspect.isabstract(value):
            continue
        required = required_names(value)
        if required is None:
            continue
        if len(required) == 2:
            dense.append(value)
        elif not required:
            free.append(value)
    return dense, free


def layer_list(container: type) -> ShownList | None:
    """A small network of the module's own layers for ``container``; None if none builds.

    ``[Dense(4, 3), Act(), Dense(3, 2)]`` with the first dense-like and argument-free
    classes the module defines (in definition order); two dense layers without an
    activation class, two activations without a dense one.
    """
    dense, free = _layer_classes(container)
    try:
        if dense:
            first, second = dense[0](4, 3), dense[0](3, 2)
            if free:
                names = f"[{dense[0].__name__}(4, 3), {free[0].__name__}(), " \
                        f"{dense[0].__name__}(3, 2)]"
                return ShownList([first, free[0](), second], names)
            return ShownList([first, second],
                             f"[{dense[0].__name__}(4, 3), {dense[0].__name__}(3, 2)]")
        if len(free) >= 2:
            return ShownList([free[0](), free[1]()],
                             f"[{free[0].__name__}(), {free[1].__name__}()]")
    except Exception:  # noqa: BLE001 - a layer that cannot be built so: no list
        return None
    return None
