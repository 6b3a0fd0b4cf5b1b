"""A directory that is not a package: the files in it that a run checks.

``gradcheck .`` in a from-scratch repository (``layers.py``, ``losses.py``, ``train.py``
side by side, no ``__init__.py``) checks each ``.py`` file and notebook in it, and each
package and plain directory below it, as if they were given one by one. Hidden
directories, virtual environments, caches and build output are not entered. A file that
defines nothing to check is passed over quietly there (``train.py``, ``utils.py``); the
run is a usage error only when no file of the directory has anything to check.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SKIPPED_DIRECTORIES", "directory_files"]

# Directories never entered: environments, caches, build output, version control.
SKIPPED_DIRECTORIES = frozenset({
    "__pycache__", "venv", "env", "site-packages", "node_modules", "build", "dist",
    "htmlcov", "mutants",
})
_SUFFIXES = (".py", ".ipynb")


def directory_files(spec: str) -> list[str] | None:
    """The targets a plain directory stands for, or None when ``spec`` is not one.

    Parameters
    ----------
    spec : str
        What the user typed (a path).

    Returns
    -------
    list of str or None
        None for anything but an existing directory without ``__init__.py`` (a file, a
        package, a module name). Otherwise its ``.py`` files and notebooks, then its
        packages and the files of its plain subdirectories, depth first, each spelled
        from ``spec`` (``src/layers.py``) and sorted by name; empty when it holds none.
    """
    path = Path(spec).expanduser()
    if not path.is_dir() or (path / "__init__.py").exists():
        return None
    return _walk(path, spec)


def _walk(path: Path, spelled: str) -> list[str]:
    files, below = [], []
    for entry in sorted(path.iterdir(), key=lambda p: p.name):
        name = str(Path(spelled) / entry.name)
        if entry.is_dir():
            if entry.name.startswith((".", "_")) or entry.name in SKIPPED_DIRECTORIES \
                    or (entry / "pyvenv.cfg").exists():
                continue
            below += [name] if (entry / "__init__.py").exists() else _walk(entry, name)
        elif entry.suffix in _SUFFIXES and not entry.name.startswith("."):
            files.append(name)
    return files + below
