"""Load a target: a ``.py`` file, a notebook, a package directory or a module name.

A file (``.py`` or ``.ipynb``) is loaded *without its module-level code* by default
(:mod:`gradcheck.targets.scripts`): its classes and functions, with the imports and
constants they need, run as a module under the file's own name; training loops, data
loading and prints do not run, and :attr:`Target.not_run` says what was left out.
``run_module=True`` imports the file as it is. Packages and module names are imported.

As Python would from the working directory: the file's package root (or its folder) and
the current directory are on ``sys.path``, so ``from common.layers import ...`` works
when run from the project root; a file name that is not an identifier (``9.3 dense.py``)
loads under a safe alias. Errors name the user's file and line, not gradcheck's or
numpy's frames.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib
import importlib.machinery
import importlib.util
import inspect
import io
import linecache
import pkgutil
import random
import re
import sys
import sysconfig
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from gradcheck.errors import NotebookError, TargetError
from gradcheck.targets.notebooks import Notebook, read_notebook
from gradcheck.targets.scripts import NotRun, definitions, execute

__all__ = ["Target", "TargetError", "describe_exception", "load_target", "own_functions",
           "pinned_randomness", "quiet"]


@dataclass
class Target:
    """A loaded target: the module (or package), where it came from, what was not run.

    ``mode`` is ``"definitions"`` when only the file's definitions ran (then ``not_run``
    lists the module-level code left out, ``unused_imports`` the imports nothing kept
    needs, ``notes`` the kept statements that failed, ``broken`` the classes whose
    definition raised) and ``"module"`` when it was imported as it is.
    """

    spec: str
    module: ModuleType
    path: Path | None
    modules: list[ModuleType]
    import_output: str = ""
    mode: str = "module"
    not_run: list[NotRun] = field(default_factory=list)
    unused_imports: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    broken: list[tuple[str, str]] = field(default_factory=list)

    @property
    def config_start(self) -> Path:
        """The directory from which ``pyproject.toml`` is searched."""
        if self.path is not None:
            return self.path if self.path.is_dir() else self.path.parent
        file = getattr(self.module, "__file__", None)
        return Path(file).parent if file else Path.cwd()

    def not_run_text(self) -> str:
        """One line: ``module-level code not run: lines 40-80 (...), ...`` (or ``""``)."""
        if not self.not_run:
            return ""
        return "module-level code not run: " + "; ".join(d.describe() for d in self.not_run)


def load_target(spec: str, *, run_module: bool = False, seed: int | None = None) -> Target:
    """Load ``spec``: a ``.py`` file, a notebook, a package directory, or a module name.

    Parameters
    ----------
    spec : str
        What the user typed.
    run_module : bool
        Import a ``.py`` file as it is (its module-level code runs), and run every code
        cell of a notebook, instead of taking only the definitions.
    seed : int, optional
        Seed of the global generators (``np.random``, ``random``) while the target's
        module code runs, restored afterwards: parameters a program draws at module
        level with no seed of its own (``Wxh = np.random.randn(...)``) are the same on
        every run with the same seed. None: not pinned.

    Returns
    -------
    Target

    Raises
    ------
    TargetError
        With a one-line message: no such file, or the module fails to import (with the
        file and line of the error).

    Notes
    -----
    Output printed while loading is captured in ``Target.import_output``. A module that
    calls ``nnfs.init()`` patches numpy for the whole process (the call is kept when only
    definitions run); the checks cope with that.
    """
    if seed is None:
        return _load(spec, run_module)
    with pinned_randomness(seed):
        return _load(spec, run_module)


@contextlib.contextmanager
def pinned_randomness(seed: int) -> Iterator[None]:
    """``np.random`` and ``random`` seeded with ``seed`` inside, as they were after."""
    numpy_state, python_state = np.random.get_state(), random.getstate()
    np.random.seed(seed)
    random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(numpy_state)
        random.setstate(python_state)


def _load(spec: str, run_module: bool) -> Target:
    """:func:`load_target` without the pinned generators."""
    looks_like_path = spec.endswith((".py", ".ipynb")) or "/" in spec or "\\" in spec \
        or Path(spec).exists()
    _add_working_directory()
    if not looks_like_path:
        module, output = _import_name(spec)
        modules = [module]
        if hasattr(module, "__path__"):
            modules += _submodules(module, spec)
        return Target(spec, module, None, modules, output)
    path = Path(spec).expanduser()
    if not path.exists():
        raise TargetError(f"no such file or directory: {spec}")
    path = path.resolve()
    if path.is_dir():
        if not (path / "__init__.py").exists():
            raise TargetError(f"{spec} is a directory but not a package (no __init__.py): "
                              "give its files one by one (the command `gradcheck "
                              f"{spec}` checks each of them)")
        root, name = _package_root(path / "__init__.py")
        module, output = _import_from_path(name, root, spec, path)
        return Target(spec, module, path, [module, *_submodules(module, spec)], output)
    if path.suffix == ".ipynb":
        try:
            notebook = read_notebook(path)
        except NotebookError as exc:
            raise TargetError(str(exc)) from None
        return _load_definitions(spec, path, notebook.source, notebook=notebook,
                                 keep_all=run_module)
    if path.suffix != ".py":
        raise TargetError(f"{spec} is not a .py file or a notebook (.ipynb)")
    if run_module:
        root, name = _package_root(path)
        module, output = _import_from_path(name, root, spec, path)
        return Target(spec, module, path, [module], output)
    try:
        # as Python reads a source file: a UTF-8 byte-order mark, a coding declaration
        source = importlib.util.decode_source(path.read_bytes())
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        raise TargetError(f"cannot read {spec}: {exc}") from None
    return _load_definitions(spec, path, source)


def _add_working_directory() -> None:
    cwd = str(Path.cwd())
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)


def _package_root(file: Path) -> tuple[Path, str]:
    """The sys.path entry and dotted name under which ``file`` imports (as pytest does)."""
    parts = [file.stem]
    directory = file.parent
    while (directory / "__init__.py").exists() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    if parts[-1] == "__init__":
        parts.pop()
    return directory, ".".join(parts)


# Modules gradcheck itself runs on: a target must never replace them in sys.modules.
_IN_USE = {"numpy", "hypothesis", "gradcheck", "pytest", "_pytest", "nnfs", "scipy"}


def _alias(stem: str) -> str:
    return "gradcheck_target_" + re.sub(r"\W", "_", stem)


def _module_name(name: str, root: Path, spec: str, path: Path) -> str:
    """The name to load ``path`` under: its own, or an alias when that cannot work."""
    if not all(part.isidentifier() for part in name.split(".")):
        return _alias(path.stem)
    top = name.split(".")[0]
    loaded = sys.modules.get(top)
    if loaded is not None:
        loaded_file = getattr(loaded, "__file__", None) or ""
        if not Path(loaded_file).resolve().is_relative_to(root / top):
            if top in sys.stdlib_module_names or top in _IN_USE:
                # e.g. a user's random.py: load it under another name, stdlib untouched
                if name != top or path.is_dir():
                    raise TargetError(
                        f"{spec}: the package name {top!r} shadows a module gradcheck itself "
                        "uses; rename the package"
                    )
                return _alias(top)
            # A different module of the same name is loaded (e.g. the installed nnfs_core
            # while checking a copy of it): forget it so the target's own code is imported.
            for key in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
                del sys.modules[key]
    return name


def _import_from_path(name: str, root: Path, spec: str, path: Path) -> tuple[ModuleType, str]:
    alias = _module_name(name, root, spec, path)
    if alias != name:
        return _import_file_as(alias, path, spec)
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    return _import_name(name, spec=spec, path=path)


def _import_file_as(alias: str, path: Path, spec: str) -> tuple[ModuleType, str]:
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    module_spec = importlib.util.spec_from_file_location(alias, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[alias] = module
    loader = module_spec.loader

    def load() -> ModuleType:
        loader.exec_module(module)
        return module

    try:
        return _import_name(alias, spec=spec, path=path, load=load)
    except TargetError:
        sys.modules.pop(alias, None)
        raise


def _import_name(name: str, *, spec: str | None = None, path: Path | None = None,
                 load: Callable[[], ModuleType] | None = None) -> tuple[ModuleType, str]:
    shown = spec or name
    captured = io.StringIO()
    try:
        with quiet(captured):
            module = load() if load is not None else importlib.import_module(name)
    except SystemExit as exc:
        raise TargetError(f"importing {shown} called sys.exit({exc.code})") from None
    except SyntaxError as exc:
        raise TargetError(f"cannot import {shown}: {_syntax(exc, shown)}") from None
    except ModuleNotFoundError as exc:
        if exc.name == name and path is None:
            raise TargetError(
                f"no such file or module: {shown} (not a path, and not importable)"
            ) from None
        raise TargetError(f"cannot import {shown}: {describe_exception(exc)}") from None
    except Exception as exc:  # noqa: BLE001 - anything the user's module raises
        raise TargetError(f"cannot import {shown}: {describe_exception(exc)}") from None
    return module, captured.getvalue()


def _syntax(exc: SyntaxError, shown: str) -> str:
    where = _location(exc.filename, exc.lineno) if exc.filename else shown
    return f"SyntaxError: {exc.msg} ({where})"


# ----------------------------------------------------------------------------- definitions
def _load_definitions(spec: str, path: Path, source: str, *, notebook: Notebook | None = None,
                      keep_all: bool = False) -> Target:
    root, name = _package_root(path)
    name = _module_name(name, root, spec, path) if notebook is None else _alias(path.stem)
    if str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    filename = str(path)
    if notebook is not None:
        _NOTEBOOKS[filename] = notebook
        lines = source.splitlines(keepends=True)
        linecache.cache[filename] = (len(source), None, lines, filename)
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as exc:
        raise TargetError(f"cannot load {spec}: {_syntax(exc, spec)}") from None
    if not keep_all and not any(isinstance(s, _DEFINES) for s in tree.body):
        # Nothing to take without running it: the module's code is all it has.
        keep_all = notebook is not None
        if notebook is None:
            root, name = _package_root(path)
            module, output = _import_from_path(name, root, spec, path)
            return Target(spec, module, path, [module], output)
    if keep_all:
        kept, not_run, unused = tree.body, [], []
    else:
        extraction = definitions(tree, source)
        kept, not_run, unused = extraction.kept, extraction.not_run, extraction.unused_imports
    missing = [] if keep_all else _missing_imports(tree.body, kept, filename)
    if notebook is not None:
        for block in not_run:
            first, last = notebook.where(block.first), notebook.where(block.last)
            block.place = first if first == last else f"{first} to {last}"

    if notebook is None:
        module_spec = importlib.util.spec_from_file_location(name, path)
    else:
        module_spec = importlib.machinery.ModuleSpec(name, None, origin=filename)
        module_spec.has_location = True
    assert module_spec is not None
    module = importlib.util.module_from_spec(module_spec)
    module.__file__ = filename
    if "." in name:
        parent = name.rpartition(".")[0]
        module.__package__ = parent
        _import_name(parent, spec=f"{spec} (its package {parent})", path=path)
    sys.modules[name] = module

    def where(lineno: int) -> str:
        return _location(filename, lineno)

    captured = io.StringIO()
    try:
        with quiet(captured):
            done = execute(kept, module.__dict__, filename, describe_exception, where)
    except SystemExit as exc:
        sys.modules.pop(name, None)
        raise TargetError(f"loading {spec} called sys.exit({exc.code})") from None
    except BaseException:
        sys.modules.pop(name, None)
        raise
    broken = [(cls, f"its definition raised {describe_exception(exc)}")
              for cls, exc in done.broken]
    return Target(spec, module, path, [module], captured.getvalue(),
                  mode="module" if keep_all else "definitions", not_run=not_run,
                  unused_imports=unused, notes=[*missing, *done.notes], broken=broken)


_DEFINES = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def _missing_imports(body: list[ast.stmt], kept: list[ast.stmt], filename: str) -> list[str]:
    """Notes on imports that were not run (nothing kept needs them) and would have failed.

    Found with ``find_spec`` of the top-level name: nothing is imported.
    """
    notes = []
    for statement in body:
        if statement in kept or not isinstance(statement, ast.Import | ast.ImportFrom):
            continue
        if isinstance(statement, ast.ImportFrom):
            if statement.level or not statement.module:
                continue
            modules = [statement.module]
        else:
            modules = [a.name for a in statement.names]
        for name in modules:
            top = name.split(".")[0]
            try:
                absent = importlib.util.find_spec(top) is None
            except (ImportError, ValueError):
                absent = True
            if absent:
                notes.append(
                    f"the import at {_location(filename, statement.lineno)} was not run: only "
                    f"code that was not run uses it (ModuleNotFoundError: No module named "
                    f"{top!r})"
                )
    return notes


# Notebooks loaded, by file name: their lines map to "cell N, line M" in messages.
_NOTEBOOKS: dict[str, Notebook] = {}


def _location(filename: str, lineno: int | None) -> str:
    notebook = _NOTEBOOKS.get(filename)
    if notebook is not None and lineno is not None:
        return f"{filename}, {notebook.where(lineno)}"
    return f"{filename}:{lineno}"


# ----------------------------------------------------------------------------- errors
@functools.lru_cache(maxsize=1)
def _library_dirs() -> tuple[str, ...]:
    # one value per process (the interpreter's folders and gradcheck's): read once, not
    # for every exception described (sysconfig expands its whole scheme on each call)
    paths = sysconfig.get_paths()
    dirs = {paths.get(k, "") for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.add(str(Path(__file__).resolve().parents[1]))  # gradcheck itself
    return tuple(d for d in dirs if d)


def describe_exception(exc: BaseException) -> str:
    """``Type: message (file:line)`` at the innermost frame of the user's own code.

    Frames of gradcheck, the standard library, installed packages (numpy) and the import
    machinery are passed over; when no frame is left, the innermost one is named. A
    ``ModuleNotFoundError`` also says how to make a project package importable.
    """
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__)
        if "importlib" not in f.filename and not f.filename.startswith("<frozen")
    ]
    libraries = _library_dirs()
    resolved: dict[str, str] = {}  # a traceback passes through the same files again

    def real(filename: str) -> str:
        if filename not in resolved:
            resolved[filename] = str(Path(filename).resolve())
        return resolved[filename]

    own = [f for f in frames if not real(f.filename).startswith(libraries)]
    frame = (own or frames)[-1] if own or frames else None
    where = f" ({_location(frame.filename, frame.lineno)})" if frame is not None else ""
    text = str(exc).splitlines()[0] if str(exc) else ""
    line = f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        line += (f"; if {top} is part of your project, run gradcheck from the directory "
                 f"that contains {top}/ (the project root) or add that directory to "
                 "PYTHONPATH; if it is a package, install it")
    if isinstance(exc, EOFError):
        line += ("; the code read from input(), and gradcheck gives the code it checks no "
                 "input: give the value in the code, or as a constructor argument")
    return line


def _submodules(package: ModuleType, spec: str) -> list[ModuleType]:
    found = []
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith(("test", "__main__")):
            continue
        found.append(_import_name(info.name, spec=f"{spec} ({info.name})")[0])
    return found


@contextlib.contextmanager
def quiet(buffer: io.StringIO | None = None) -> Iterator[None]:
    """Capture what user code prints and silence numpy's warnings while it runs."""
    with (
        contextlib.redirect_stdout(buffer if buffer is not None else io.StringIO()),
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):
        warnings.simplefilter("ignore")
        yield


def own_functions(module: Any) -> dict[str, Callable[..., Any]]:
    """The public functions a module defines itself (not imported ones)."""
    return {k: v for k, v in vars(module).items()
            if inspect.isfunction(v) and v.__module__ == module.__name__
            and not k.startswith(("_", "test"))}
