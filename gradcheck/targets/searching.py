"""Constructor settings found by search, and the values bugs hide at.

Arguments that are not sizes (``n_inputs``) nor conventional guesses (``rate``) are read
from their names: shapes (``input_shape``, ``w_shape``) are tuples, windows (``f``,
``window``, ``pool``) small ints or pairs, ``stride`` and ``padding`` small ints, names
(``name``) strings. Each name has a short list of values, tried in order until the class
builds and its forward takes an input (:func:`alternatives`); the first that works is
checked. Then :func:`variants` adds the builds bugs hide at: padding 0 (a backward that
strips the padding with ``[p:-p]``), a stride of 2 where the stride is 1 (a backward that
ignores the stride), a stride below the window (overlapping windows, whose gradients
must add up). :func:`branches` adds a build per string a constructor argument is
compared with (``activation="tanh"`` beside the default ``None``): each branch is code of
its own.
"""

from __future__ import annotations

import inspect
import itertools
from typing import Any

import numpy as np

from gradcheck.protocol.source import compared_strings

__all__ = ["PADDING_NAMES", "STRIDE_NAMES", "WINDOW_NAMES", "ParameterArray", "alternatives",
           "branches",
           "values_for", "variants"]

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
# a constructor taking the parameter arrays themselves (``Linear(W, b)``, a dataclass):
# shapes for an input of width 4 and 3 outputs, a matrix or an elementwise vector
_ARRAY_SHAPES: dict[str, list[tuple[int, ...]]] = {
    **dict.fromkeys(("w", "weights", "weight", "kernel", "theta"), [(4, 3), (4,)]),
    **dict.fromkeys(("b", "bias", "biases"), [(3,), (1, 3), (4,)]),
    **dict.fromkeys(("gamma", "beta"), [(4,)]),
}


class ParameterArray(np.ndarray):
    """A parameter array given to a constructor: shown by its shape (``W=array(4, 3)``)."""

    def __repr__(self) -> str:
        return f"array{tuple(self.shape)}"


def _array(shape: tuple[int, ...]) -> np.ndarray:
    values = np.random.default_rng(len(shape) * 10 + shape[0]).standard_normal(shape) * 0.5
    return values.view(ParameterArray)


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
    if lowered in _ARRAY_SHAPES:
        return [_array(shape) for shape in _ARRAY_SHAPES[lowered]]
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


def branches(cls: type, used: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """A build per string a constructor argument's value is compared with.

    ``Dense(units, activation=None)`` whose methods branch on ``self.activation ==
    "relu"`` and ``"tanh"`` gets ``activation="relu"`` and ``activation="tanh"``: a
    wrong derivative in a branch the default never takes is found. The argument is read
    where ``__init__`` compares it or stores it as ``self.<name> = <argument>``; only
    arguments whose value is ``None`` or a string are varied (at most 4 strings each).
    """
    init = getattr(cls, "__init__", None)
    if not inspect.isfunction(init):
        return []
    stored = _stored_arguments(init)
    compared: dict[str, list[str]] = {}
    for klass in cls.__mro__[:-1]:
        for function in vars(klass).values():
            if inspect.isfunction(function):
                for key, values in compared_strings(function).items():
                    listed = compared.setdefault(key, [])
                    listed += [v for v in values if v not in listed]
    keys = looked_up_keys(cls)
    out: list[tuple[dict[str, Any], str]] = []
    for name, value in used.items():
        if value is not None and not isinstance(value, str):
            continue
        strings = compared.get(f"self.{stored.get(name, name)}", []) + [
            v for v in compared.get(name, []) if v not in compared.get(
                f"self.{stored.get(name, name)}", [])]
        strings += [k for k in keys.get(name, []) if k not in strings]
        out += [({name: v}, "a branch of its own")
                for v in strings[:4] if v != value]
    return out


def looked_up_keys(cls: type) -> dict[str, list[str]]:
    """The string keys a constructor argument is looked up with: ``{"name": ["tanh", ...]}``.

    ``activation_functions[name]`` in ``__init__``, where ``activation_functions`` is a
    dict of the class's module keyed by strings: the argument can only be one of its
    keys (any other raises ``KeyError``). At most 4 keys, in the dict's order.
    """
    import ast
    import sys

    from gradcheck.protocol.source import function_tree

    init = getattr(cls, "__init__", None)
    tree = function_tree(init) if inspect.isfunction(init) else None
    if tree is None:
        return {}
    arguments = {a.arg for a in [*tree.args.posonlyargs, *tree.args.args, *tree.args.kwonlyargs]}
    space = vars(sys.modules.get(cls.__module__, None) or object())
    out: dict[str, list[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and isinstance(node.slice, ast.Name) and node.slice.id in arguments:
            table = space.get(node.value.id)
            if isinstance(table, dict) and table and all(isinstance(k, str) for k in table):
                out.setdefault(node.slice.id, list(table)[:4])
    return out


def _stored_arguments(init: Any) -> dict[str, str]:
    """``{argument: attribute}`` for ``self.<attribute> = <argument>`` in ``__init__``."""
    import ast

    from gradcheck.protocol.source import function_tree

    tree = function_tree(init)
    out: dict[str, str] = {}
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                        and target.value.id == "self":
                    out.setdefault(node.value.id, target.attr)
    return out
