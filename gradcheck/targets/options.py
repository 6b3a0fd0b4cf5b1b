"""The options of a run over targets, validated once for the command and the pytest plugin.

``examples``, ``seed``, ``strict``, ``memory`` and ``threads`` come from the command line
(``--examples``, ``--seed``, ``--strict``, ``--memory``, ``--threads``; the plugin's
``--gradcheck-examples``, ``--gradcheck-seed``, ``--gradcheck-memory``,
``--gradcheck-threads``), else from ``[tool.gradcheck]``
(:class:`~gradcheck.targets.config.Settings`), else from the defaults here. Option text is
parsed by :func:`positive_int`, :func:`seed_int`, :func:`seconds`, :func:`memory_size` and
:func:`thread_count`, which raise ``ValueError`` with the message a user sees.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gradcheck.engine.budget import MEMORY_BYTES as DEFAULT_MEMORY
from gradcheck.engine.threads import THREADS as _DEFAULT_THREADS
from gradcheck.settings import configure

if TYPE_CHECKING:  # config.py reads its keys with this module's parsers
    from gradcheck.targets.config import Settings

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_MEMORY",
    "DEFAULT_SEED",
    "DEFAULT_THREADS",
    "RunOptions",
    "memory_size",
    "positive_int",
    "seconds",
    "seed_int",
    "thread_count",
]

DEFAULT_EXAMPLES = 20
DEFAULT_SEED = 0
DEFAULT_THREADS = _DEFAULT_THREADS or 0  # 0: the BLAS pools left as they are

_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}
_SIZE = re.compile(r"\s*(\d+)\s*([kmg]?)(?:i?b)?\s*", flags=re.IGNORECASE)


def _integer(text: str, minimum: int, expected: str, *, too_small: str = "") -> int:
    """``text`` as an integer of at least ``minimum``, else ``expected ..., got 'text'``."""
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected {expected}, got {text!r}") from None
    if value < minimum:
        raise ValueError(f"expected {too_small or expected}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """``text`` as an integer of at least 1 (a number of examples).

    Raises
    ------
    ValueError
        ``expected a positive integer, got '0'``.
    """
    return _integer(text, 1, "a positive integer")


def seed_int(text: str) -> int:
    """``text`` as a non-negative integer (a Hypothesis seed).

    Raises
    ------
    ValueError
        ``expected an integer, got 'x'`` or ``expected a non-negative integer, got '-1'``.
    """
    return _integer(text, 0, "an integer", too_small="a non-negative integer")


def seconds(text: str) -> float:
    """``text`` as a non-negative number of seconds (a time limit; 0 for none).

    Raises
    ------
    ValueError
        ``expected a number of seconds, got 'x'`` or ``expected a non-negative number``.
    """
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {text!r}") from None
    if not value >= 0:
        raise ValueError(f"expected a non-negative number, got {text!r}")
    return value


def memory_size(text: str) -> int:
    """``text`` as a number of bytes: ``536870912``, ``512K``, ``512MB``, ``1GiB``, ``2g``.

    K, M and G are powers of 1024 (``512MB`` is 512 MiB); ``B`` and ``iB`` are optional.

    Raises
    ------
    ValueError
        ``expected a size in bytes like 512MB or 1G, got 'lots'``, or a size of 0.
    """
    match = _SIZE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a size in bytes like 512MB or 1G (K, M, G: powers of "
                         f"1024), got {text!r}")
    value = int(match[1]) * _UNITS[match[2].lower()]
    if value < 1:
        raise ValueError(f"expected a size of at least 1 byte, got {text!r}")
    return value


def thread_count(text: str) -> int:
    """``text`` as a number of BLAS threads per pool: ``0`` leaves the pools alone.

    Raises
    ------
    ValueError
        ``expected a number of threads (0: leave the BLAS pools alone), got 'x'``.
    """
    return _integer(text, 0, "a number of threads (0: leave the BLAS pools alone)")


@dataclass(frozen=True)
class RunOptions:
    """How many examples, which seed, and whether an unverified class fails the run.

    Attributes
    ----------
    examples : int
        Hypothesis examples per check.
    seed : int
        Hypothesis seed.
    strict : bool
        Inconclusive (and, for the command, unchecked) classes fail the run.
    memory : int or None
        Bytes one stacked evaluation may allocate (``gradcheck.configure(memory_bytes=)``);
        ``None``: the setting in force.
    threads : int or None
        Threads per BLAS pool during a check, 0 to leave the pools alone
        (``gradcheck.configure(threads=)``); ``None``: the setting in force.
    """

    examples: int = DEFAULT_EXAMPLES
    seed: int = DEFAULT_SEED
    strict: bool = False
    memory: int | None = None
    threads: int | None = None

    @classmethod
    def resolve(cls, settings: Settings, *, examples: int | None = None,
                seed: int | None = None, strict: bool | None = None,
                memory: int | None = None, threads: int | None = None) -> RunOptions:
        """The options given (already parsed), else the settings', else the defaults.

        Parameters
        ----------
        settings : Settings
            ``[tool.gradcheck]`` of the project.
        examples, seed, strict, memory, threads : optional
            From the command line; ``None`` when not given.
        """
        return cls(
            examples=examples or settings.examples or DEFAULT_EXAMPLES,
            seed=next(s for s in (seed, settings.seed, DEFAULT_SEED) if s is not None),
            strict=bool(settings.strict) if strict is None else strict,
            memory=memory if memory is not None else settings.memory,
            threads=threads if threads is not None else settings.threads,
        )

    @contextlib.contextmanager
    def configured(self) -> Iterator[None]:
        """``memory`` and ``threads`` in force (:func:`gradcheck.configure`) in the block."""
        with contextlib.ExitStack() as stack:
            if self.memory is not None:
                stack.enter_context(configure(memory_bytes=self.memory))
            if self.threads is not None:
                stack.enter_context(configure(threads=self.threads or None))
            yield
