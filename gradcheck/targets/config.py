"""The user's settings: ``[tool.gradcheck]`` in ``pyproject.toml`` and ``GRADCHECK_ARGS``.

``[tool.gradcheck]`` of the nearest ``pyproject.toml`` (searched upwards from a target, or
from the working directory for a bare ``gradcheck``)::

    [tool.gradcheck]
    targets = ["src/layers.py"]   # what a bare `gradcheck` checks (paths relative to the file)
    examples = 50                 # generated examples per check
    seed = 1                      # Hypothesis seed
    strict = true                 # an all-inconclusive class fails the run
    exclude = ["Layer_Broken*"]   # class names or target paths (fnmatch patterns) not checked
    memory = "512MB"              # what one stacked evaluation may allocate (or bytes)
    threads = 2                   # BLAS threads during a check (0: the pools left alone)

    [tool.gradcheck.args.Layer_Dropout]   # constructor arguments per class
    rate = 0.1

Command-line options win over the file. Unknown keys are reported, not ignored silently.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradcheck.errors import TargetError
from gradcheck.targets.discovery import CONFIG_NAME
from gradcheck.targets.loading import Target
from gradcheck.targets.options import memory_size, thread_count

__all__ = ["KNOWN_KEYS", "Settings", "find_pyproject", "load_config", "load_settings"]

KNOWN_KEYS = ("targets", "examples", "seed", "strict", "exclude", "memory", "threads", "args")


@dataclass
class Settings:
    """The ``[tool.gradcheck]`` table, checked; ``None`` where the file gives nothing.

    Attributes
    ----------
    path : Path or None
        The ``pyproject.toml`` read (``None``: none found, or it has no table).
    targets : list of str
        Targets of a bare ``gradcheck``, resolved against the file's directory.
    examples, seed : int or None
        Defaults for ``--examples`` and ``--seed``.
    strict : bool or None
        Default for ``--strict``.
    exclude : list of str
        ``fnmatch`` patterns of class names and target paths left out.
    memory, threads : int or None
        Defaults for ``--memory`` (bytes) and ``--threads`` (0: the pools left alone).
    warnings : list of str
        Problems worth telling the user (unknown keys), one line each.
    """

    path: Path | None = None
    targets: list[str] = field(default_factory=list)
    examples: int | None = None
    seed: int | None = None
    strict: bool | None = None
    exclude: list[str] = field(default_factory=list)
    memory: int | None = None
    threads: int | None = None
    warnings: list[str] = field(default_factory=list)

    def excludes(self, name: str) -> bool:
        """Whether a class name or a target path matches an ``exclude`` pattern."""
        text = name.replace("\\", "/")
        return any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(Path(text).name, p)
                   for p in self.exclude)


def load_settings(start: Path) -> Settings:
    """Read ``[tool.gradcheck]`` from the nearest ``pyproject.toml`` at or above ``start``.

    Parameters
    ----------
    start : Path
        A directory (a target's, or the working directory).

    Returns
    -------
    Settings
        Empty when no ``pyproject.toml`` or no ``[tool.gradcheck]`` table is found.

    Raises
    ------
    TargetError
        The file cannot be read, or a value has the wrong type (the message names the key,
        the value and what is expected).
    """
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Settings()
    table = _table(pyproject)
    if not table:
        return Settings()
    where = f"{pyproject} [tool.gradcheck]"
    settings = Settings(path=pyproject)
    unknown = [k for k in table if k not in KNOWN_KEYS]
    if unknown:
        settings.warnings.append(
            f"{where}: unknown key(s) {', '.join(map(repr, unknown))} ignored "
            f"(known: {', '.join(KNOWN_KEYS)})"
        )
    targets = _strings(table, "targets", where)
    settings.targets = [t if not _looks_like_path(t) else str(pyproject.parent / t)
                        for t in targets]
    settings.exclude = _strings(table, "exclude", where)
    for key in ("examples", "seed"):
        value = table.get(key)
        if value is None:
            continue
        minimum = 1 if key == "examples" else 0
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise TargetError(f"{where}: {key} = {value!r}; expected an integer >= {minimum}")
        setattr(settings, key, value)
    strict = table.get("strict")
    if strict is not None:
        if not isinstance(strict, bool):
            raise TargetError(f"{where}: strict = {strict!r}; expected true or false")
        settings.strict = strict
    settings.memory = _parsed(table, "memory", memory_size, where)
    settings.threads = _parsed(table, "threads", thread_count, where)
    return settings


def _parsed(table: dict[str, Any], key: str, parse: Any, where: str) -> Any:
    """A key read as its command-line option reads its text (``None`` when absent)."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TargetError(f"{where}: {key} = {value!r}; expected an integer or a string")
    try:
        return parse(str(value))
    except ValueError as exc:
        raise TargetError(f"{where}: {key} = {value!r}; {exc}") from None


def _looks_like_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec


def _strings(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TargetError(f"{where}: {key} = {value!r}; expected a list of strings")
    return list(value)


def _table(pyproject: Path) -> dict[str, Any]:
    try:
        with pyproject.open("rb") as handle:
            document = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"cannot read {pyproject}: {exc}") from None
    table = document.get("tool", {}).get("gradcheck", {})
    if not isinstance(table, dict):
        raise TargetError(f"{pyproject}: [tool.gradcheck] must be a table")
    return table


def load_config(target: Target) -> dict[str, list[dict[str, Any]]]:
    """Constructor arguments given by the user, per class name.

    Read from ``[tool.gradcheck.args.<Class>]`` of the nearest ``pyproject.toml`` above the
    target, then from a module-level ``GRADCHECK_ARGS = {"Class": {"arg": value}}`` dict in
    the target, which wins. A value may be a list of such dicts: one check per dict.
    """
    merged: dict[str, list[dict[str, Any]]] = {}
    pyproject = find_pyproject(target.config_start)
    if pyproject is not None:
        args = _table(pyproject).get("args", {})
        merged.update(_normalise(args, str(pyproject)))
    for module in target.modules:
        given = getattr(module, CONFIG_NAME, None)
        if given is not None:
            merged.update(_normalise(given, f"{module.__name__}.{CONFIG_NAME}"))
    return merged


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` (``None`` when there is none)."""
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _normalise(config: Any, where: str) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(config, dict):
        raise TargetError(f"{where} must map class names to dicts of constructor arguments")
    out: dict[str, list[dict[str, Any]]] = {}
    for name, value in config.items():
        entries = value if isinstance(value, list) else [value]
        if not entries or not all(isinstance(e, dict) for e in entries):
            raise TargetError(
                f"{where}[{name!r}] must be a dict of constructor arguments "
                f"(or a list of such dicts), not {value!r}"
            )
        out[str(name)] = [dict(e) for e in entries]
    return out
