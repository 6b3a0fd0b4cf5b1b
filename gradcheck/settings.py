"""The settings of every check: memory per stacked call and BLAS threads.

>>> import gradcheck
>>> with gradcheck.configure(memory_bytes=2**30):   # only inside the block
...     pass
>>> gradcheck.configure().memory_bytes               # the value in force
67108864

The values live in :data:`gradcheck.engine.budget.MEMORY_BYTES` and
:data:`gradcheck.engine.threads.THREADS` (internal modules; their values are the
defaults) and are read at every check; :func:`configure` is the documented way to change
them.
"""

from __future__ import annotations

import operator
from types import TracebackType
from typing import Any

from gradcheck.engine import budget as _budget
from gradcheck.engine import threads as _threads

__all__ = ["Settings", "configure"]

_UNSET: Any = object()


class Settings:
    """The settings in force after :func:`configure`; a context manager that undoes it.

    Attributes
    ----------
    memory_bytes : int
        What one stacked evaluation (many perturbed copies of a batch in one forward
        call) may allocate; larger evaluations are split into several calls, never
        refused.
    threads : int or None
        Threads per BLAS/OpenMP pool during a check; ``None`` leaves the pools alone.
    """

    def __init__(self, previous: dict[str, Any]) -> None:
        self._previous = previous
        self.memory_bytes: int = _budget.MEMORY_BYTES
        self.threads: int | None = _threads.THREADS

    def __repr__(self) -> str:
        return f"Settings(memory_bytes={self.memory_bytes}, threads={self.threads})"

    def __enter__(self) -> Settings:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if "memory_bytes" in self._previous:
            _budget.MEMORY_BYTES = self._previous["memory_bytes"]
        if "threads" in self._previous:
            _threads.THREADS = self._previous["threads"]


def configure(*, memory_bytes: int = _UNSET, threads: int | None = _UNSET) -> Settings:
    """Change the settings of every following check; as a ``with`` block, only inside it.

    Parameters
    ----------
    memory_bytes : int, optional
        Bytes one stacked evaluation may allocate, all its arrays counted (default
        ``64 * 2**20``, 64 MiB). Evaluations that need more are chunked into more forward
        calls: a smaller budget is slower, never a different verdict.
    threads : int or None, optional
        Threads per BLAS/OpenMP pool while a check runs (default 1: many small products
        on a busy machine are 5-20x slower with a thread per core); the pools get their
        previous sizes back afterwards. ``None`` leaves the pools alone.

    Returns
    -------
    Settings
        The settings now in force; leaving it as a context manager restores the values
        it changed.

    Raises
    ------
    TypeError, ValueError
        A value that is not a positive integer (or ``None`` for ``threads``).

    Examples
    --------
    >>> import gradcheck
    >>> with gradcheck.configure(threads=None) as now:
    ...     now.threads is None
    True
    >>> gradcheck.configure().threads
    1
    """
    previous: dict[str, Any] = {}
    if memory_bytes is not _UNSET:
        size = _positive(memory_bytes, "memory_bytes")
        previous["memory_bytes"] = _budget.MEMORY_BYTES
        _budget.MEMORY_BYTES = size
    if threads is not _UNSET:
        count = None if threads is None else _positive(threads, "threads")
        previous["threads"] = _threads.THREADS
        _threads.THREADS = count
    return Settings(previous)


def _positive(value: Any, name: str) -> int:
    try:
        if isinstance(value, bool):
            raise TypeError
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be a positive int, got {value!r}") from None
    if number < 1:
        raise ValueError(f"{name} must be at least 1, got {number}")
    return number
