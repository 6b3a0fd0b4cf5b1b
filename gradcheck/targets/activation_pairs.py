"""A function and its derivative for ``ActivationLayer(activation, activation_prime)``.

The tutorials' activation layer takes the pair in its constructor; where the pair lives
varies: the layer's own module (:mod:`gradcheck.targets.building` looks there first), or
another module of the same folder (``activations.py`` beside ``layers.py``, imported by
the layer's file or only by the script that wires the network). Those modules are read
without running them: a file is loaded (definitions only, as a target is) only when its
source defines a pair by name (``tanh`` and ``tanh_prime``), the files the layer's file
imports first. Among the pairs found, the first whose derivative agrees with finite
differences of its function (on the input, or written in terms of the output) is taken;
when none agrees, the first (its own row shows its bug).
"""

from __future__ import annotations

import ast
import inspect
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from gradcheck.protocol.derivative import derivative_of, required_names

__all__ = ["Pair", "folder_pairs", "module_pairs", "verified"]

#: (function name, function, derivative name, derivative)
Pair = tuple[str, Callable[..., Any], str, Callable[..., Any]]

_MAX_FILES = 40
_MAX_BYTES = 400_000
_POINTS = np.array([-1.7, -0.9, -0.35, 0.2, 0.45, 1.1, 1.9])
_CACHE: dict[tuple[str, tuple[tuple[str, float], ...]], list[Pair]] = {}


def module_pairs(namespace: dict[str, Any]) -> list[Pair]:
    """Each elementwise pair of one-argument functions a namespace holds, by their names."""
    functions = {k: v for k, v in namespace.items()
                 if inspect.isfunction(v) and not k.startswith("_")}
    out: list[Pair] = []
    for name, f_prime in functions.items():
        base = derivative_of(name, functions)
        if base is not None and len(required_names(functions[base]) or ()) == 1 \
                and len(required_names(f_prime) or ()) == 1:
            out.append((base, functions[base], name, f_prime))
    return out


def verified(f: Callable[..., Any], f_prime: Callable[..., Any]) -> bool:
    """Whether ``f_prime`` is ``f``'s derivative by central differences at a few points.

    Either reading holds: ``f_prime(x)``, or ``f_prime(f(x))`` (a sigmoid's ``s * (1 -
    s)``).
    """
    h = 1e-5
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            numeric = (np.asarray(f(_POINTS + h), float)
                       - np.asarray(f(_POINTS - h), float)) / (2 * h)
            readings = (f_prime(_POINTS.copy()), f_prime(np.asarray(f(_POINTS.copy()))))
            return any(np.shape(r) == _POINTS.shape and np.allclose(
                np.asarray(r, float), numeric, rtol=1e-4, atol=1e-6) for r in readings)
    except Exception:  # noqa: BLE001 - a pair that does not run is not verified
        return False


def _defines_pair(path: Path) -> bool:
    try:
        if path.stat().st_size > _MAX_BYTES:
            return False
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return False
    names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return any(derivative_of(n, names) is not None for n in names)


def _imported(path: Path) -> list[str]:
    """The modules a file imports by name (``from activations import ...``, ``import a``)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module.rpartition(".")[2])
        elif isinstance(node, ast.Import):
            out += [a.name.rpartition(".")[2] for a in node.names]
    return out


def _siblings(own: Path) -> list[Path]:
    """The folder's other ``.py`` files: those ``own`` imports first, then by name."""
    try:
        files = sorted(p for p in own.parent.glob("*.py") if p != own and p.is_file())
    except OSError:
        return []
    order = {name: i for i, name in enumerate(_imported(own))}
    files.sort(key=lambda p: (order.get(p.stem, len(order)), p.name))
    return files[:_MAX_FILES]


def _load_pairs(path: Path) -> list[Pair]:
    from gradcheck.targets.loading import load_target, quiet

    try:
        with quiet(io.StringIO()):
            target = load_target(str(path))
    except Exception:  # noqa: BLE001 - a sibling that cannot load holds no pair for us
        return []
    return module_pairs(vars(target.module))


def folder_pairs(cls: type) -> list[Pair]:
    """The pairs of the other modules of ``cls``'s folder, the ones its file imports first.

    Parameters
    ----------
    cls : type
        The activation layer's class.

    Returns
    -------
    list of Pair
        The verified ones first (:func:`verified`), each module's in its order; none for
        a base class whose subclasses in its module pass the functions to it
        (``super().__init__(np.tanh, tanh_prime)``).
    """
    subclasses: list[type] = cls.__subclasses__()
    if any("__init__" in vars(sub) for sub in subclasses
           if sub.__module__ == cls.__module__):
        return []  # a base whose subclasses give the functions (classes.py ignores it)
    try:
        own = Path(inspect.getfile(cls)).resolve()
    except (TypeError, OSError):
        return []
    siblings = [p for p in _siblings(own) if _defines_pair(p)]
    try:
        key = (str(own.parent), tuple((str(p), p.stat().st_mtime) for p in siblings))
    except OSError:
        return []
    if key not in _CACHE:
        pairs = [pair for p in siblings for pair in _load_pairs(p)]
        _CACHE[key] = sorted(pairs, key=lambda pair: not verified(pair[1], pair[3]))
    return list(_CACHE[key])
