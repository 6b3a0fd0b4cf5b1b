"""Check every class a notebook (or any ``__main__``) defines, in one call or one magic.

>>> import gradcheck
>>> gradcheck.check_all()          # doctest: +SKIP
<Checked 3 classes: 2 passed, 1 failed (Activation_Doubled)>

In Jupyter the result shows as a table (failing classes first, their reports below). The
IPython magic does the same: ``%load_ext gradcheck.notebook`` then ``%gradcheck``.
Discovery, planning and the Hypothesis-driven runs are the ``gradcheck`` command's own.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcheck.errors import TargetError
from gradcheck.report import ERROR, FAILED, PASSED, UNFINISHED
from gradcheck.targets.config import load_config
from gradcheck.targets.discovery import Target, find_classes
from gradcheck.targets.folders import directory_files
from gradcheck.targets.loading import load_target
from gradcheck.targets.options import DEFAULT_EXAMPLES, DEFAULT_SEED
from gradcheck.targets.pipeline import plan_target, run_planned
from gradcheck.targets.results import ClassResult, unloadable_file
from gradcheck.views import render_table, results_html, units

__all__ = ["Checked", "check_all", "load_ipython_extension"]


@dataclass
class Checked:
    """The results of :func:`check_all`: one :class:`ClassResult` per class found.

    Attributes
    ----------
    results : list of ClassResult
        In definition order (ignored classes, such as optimizers, are not listed).
    """

    results: list[ClassResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """``True`` when no class failed or raised and at least one passed."""
        statuses = {r.status for r in self.results}
        return PASSED in statuses and not statuses & {FAILED, ERROR, UNFINISHED}

    @property
    def failed(self) -> list[ClassResult]:
        """The classes that failed, raised or are unfinished templates."""
        return [r for r in self.results if r.status in (FAILED, ERROR, UNFINISHED)]

    def __repr__(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        text = ", ".join(f"{n} {s}" for s, n in counts.items()) or "nothing to check"
        names = ", ".join(r.name for r in self.failed[:4])
        if len(self.failed) > 4:
            names += ", ..."
        bad = f" ({names})" if names else ""
        return f"<Checked {units(self.results)}: {text}{bad}>"

    def __str__(self) -> str:
        return render_table(self.results)

    def _repr_html_(self) -> str:
        return results_html(self.results)


def check_all(namespace: Mapping[str, Any] | types.ModuleType | str | os.PathLike[str] |
              None = None, *, examples: int = DEFAULT_EXAMPLES,
              seed: int = DEFAULT_SEED) -> Checked:
    """Check every NNFS-style class defined in a notebook (by default, ``__main__``).

    Parameters
    ----------
    namespace : mapping, module, str or path, optional
        The names to search, e.g. ``globals()``; default: the running ``__main__``
        module, which is the notebook's namespace in Jupyter and IPython. Only classes
        defined there count (``cls.__module__`` equals the namespace's ``__name__``), not
        those imported into it. An imported module is searched the same way. A path or
        a module name is what the ``gradcheck`` command takes: a ``.py`` file, a
        notebook, a package, or a plain directory (each of its files and notebooks; a
        file that cannot be loaded is an ``error`` row of kind ``file``).
    examples : int
        Hypothesis examples per check (default 20).
    seed : int
        Hypothesis seed (default 0): the same seed checks the same examples.

    Returns
    -------
    Checked
        One result per class; ``.ok``, ``.failed``, a table as ``str()`` and in Jupyter.

    Raises
    ------
    ValueError
        ``examples`` below 1 or ``seed`` below 0.
    TypeError
        ``namespace`` is none of the above.
    gradcheck.errors.TargetError
        A path or module name that cannot be loaded (no such file, an import error).

    Notes
    -----
    Constructor arguments that cannot be guessed are given as in a module, with a
    ``GRADCHECK_ARGS = {"Class": {"arg": value}}`` dict in the notebook. A class the
    checker cannot build is listed as skipped with the reason. It never raises on a wrong
    gradient: look at ``.ok`` or assert it.
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise ValueError(f"examples={examples!r}; expected a positive integer")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r}; expected a non-negative integer")
    checked = Checked()
    targets, checked.results = _targets(namespace, seed)
    for target in targets:
        config = load_config(target)
        for planned in plan_target(target, find_classes(target), config).plans:
            checked.results.append(run_planned(planned, examples=examples, seed=seed))
    return checked


def _targets(namespace: object, seed: int) -> tuple[list[Target], list[ClassResult]]:
    """What :func:`check_all` searches, and the ``error`` rows of files that did not load."""
    if namespace is None:
        return [_module_target(sys.modules["__main__"])], []
    if isinstance(namespace, types.ModuleType):
        return [_module_target(namespace)], []
    if isinstance(namespace, Mapping):
        module = types.ModuleType(str(namespace.get("__name__", "__main__")))
        vars(module).update(namespace)
        return [_module_target(module)], []
    if isinstance(namespace, str | os.PathLike):
        spec = os.fspath(namespace)
        files = directory_files(spec)
        if files is None:  # a file, a notebook, a package or a module name
            return [load_target(spec, seed=seed)], []
        targets, broken = [], []
        for file in files:
            try:
                targets.append(load_target(file, seed=seed))
            except TargetError as exc:
                broken.append(unloadable_file(file, str(exc)))
        return targets, broken
    raise TypeError(f"check_all takes a namespace (globals(), a module), a path or a module "
                    f"name, not {type(namespace).__name__}")


def _module_target(module: types.ModuleType) -> Target:
    """A module already loaded, searched for the classes it defines."""
    return Target(spec=module.__name__, module=module, path=None, modules=[module])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gradcheck.notebook``: adds ``%gradcheck [EXAMPLES [SEED]]``."""

    def gradcheck(line: str) -> Checked:
        """Check every NNFS-style class defined in this notebook."""
        numbers = [int(x) for x in line.split()]
        return check_all(ipython.user_ns, examples=numbers[0] if numbers else DEFAULT_EXAMPLES,
                         seed=numbers[1] if len(numbers) > 1 else DEFAULT_SEED)

    ipython.register_magic_function(gradcheck, "line", "gradcheck")
