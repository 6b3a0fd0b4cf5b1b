"""The options of a run over targets, validated once for the command and the pytest plugin.

``examples``, ``seed`` and ``strict`` come from the command line (``--examples``,
``--seed``, ``--strict``; the plugin's ``--gradcheck-examples``, ``--gradcheck-seed``),
else from ``[tool.gradcheck]`` (:class:`~gradcheck.targets.config.Settings`), else from the
defaults here. Option text is parsed by :func:`positive_int`, :func:`seed_int` and
:func:`seconds`, which raise ``ValueError`` with the message a user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck.targets.config import Settings

__all__ = [
    "DEFAULT_EXAMPLES",
    "DEFAULT_SEED",
    "RunOptions",
    "positive_int",
    "seconds",
    "seed_int",
]

DEFAULT_EXAMPLES = 20
DEFAULT_SEED = 0


def positive_int(text: str) -> int:
    """``text`` as an integer of at least 1 (a number of examples).

    Raises
    ------
    ValueError
        ``expected a positive integer, got '0'``.
    """
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise ValueError(f"expected a positive integer, got {text!r}")
    return value


def seed_int(text: str) -> int:
    """``text`` as a non-negative integer (a Hypothesis seed).

    Raises
    ------
    ValueError
        ``expected an integer, got 'x'`` or ``expected a non-negative integer, got '-1'``.
    """
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise ValueError(f"expected a non-negative integer, got {text!r}")
    return value


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
    """

    examples: int = DEFAULT_EXAMPLES
    seed: int = DEFAULT_SEED
    strict: bool = False

    @classmethod
    def resolve(cls, settings: Settings, *, examples: int | None = None,
                seed: int | None = None, strict: bool | None = None) -> RunOptions:
        """The options given (already parsed), else the settings', else the defaults.

        Parameters
        ----------
        settings : Settings
            ``[tool.gradcheck]`` of the project.
        examples, seed, strict : optional
            From the command line; ``None`` when not given.
        """
        return cls(
            examples=examples or settings.examples or DEFAULT_EXAMPLES,
            seed=next(s for s in (seed, settings.seed, DEFAULT_SEED) if s is not None),
            strict=bool(settings.strict) if strict is None else strict,
        )
