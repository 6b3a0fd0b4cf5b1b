"""Keep a target's ``nnfs.init()`` inside one test (the ``nnfs_init_contained`` fixture).

``nnfs.init()`` replaces ``np.dot``, ``np.zeros``, ``np.eye`` and ``np.random.randn`` with
float32 wrappers and seeds numpy's global generator, for the whole process. Book code calls
it at import and the command keeps that call (it changes how numpy computes), so a CLI
test on book code run in process patches the test process: :func:`contained` puts numpy
back afterwards, then fails if a module loaded meanwhile kept one of the wrappers
(``from numpy import dot`` while patched), which putting numpy back would not undo.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import numpy as np

# what nnfs.init() replaces (nnfs/core.py), by module and name
PATCHED = ((np, "dot"), (np, "zeros"), (np, "eye"), (np.random, "randn"))
# the names of its wrappers: its float64 dot, and what enclose() puts around the others
_WRAPPERS = ("dot", "enclosed_method")


def _is_wrapper(value: object) -> bool:
    return (callable(value) and getattr(value, "__name__", "") in _WRAPPERS
            and (getattr(value, "__module__", None) or "").startswith("nnfs"))


@contextlib.contextmanager
def contained() -> Iterator[None]:
    """Run the body, then undo what an ``nnfs.init()`` in it did to this process.

    Raises
    ------
    AssertionError
        After numpy is put back, if a module loaded in the body holds a wrapper.
    """
    saved = [(module, name, getattr(module, name)) for module, name in PATCHED]
    state, before = np.random.get_state(), set(sys.modules)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)
        np.random.set_state(state)
    kept = [f"{name}.{key}" for name in sorted(set(sys.modules) - before)
            for key, value in list(getattr(sys.modules.get(name), "__dict__", {}).items())
            if _is_wrapper(value)]
    assert not kept, f"nnfs.init()'s float32 wrappers kept by {kept}"
