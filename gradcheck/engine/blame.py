"""Whose exception is it: the user's code, or gradcheck's own (a bug to report).

An exception that escapes the checker's own code (the innermost frame of its traceback
is inside the ``gradcheck`` package) is never reported as the user's error: the row says
"gradcheck bug (not your code)", and the traceback is kept for ``-v``.
"""

from __future__ import annotations

import sysconfig
import traceback
from pathlib import Path
from typing import Any

__all__ = ["checker_bug", "checker_raised", "traceback_text"]

_PACKAGE = Path(__file__).resolve().parent.parent  # the gradcheck package
# exceptions of the checker's own logic. A TypeError or ValueError raised in gradcheck
# is as often numpy refusing what the checked code returned (a string for an output) as
# a bug: those keep "could not evaluate ... (an unsupported object, or a gradcheck bug)"
_LOGIC = (IndexError, KeyError, AttributeError, NameError, AssertionError,
          ZeroDivisionError, RecursionError)
# libraries: frames there belong to whoever called them
_LIBRARIES = tuple(Path(p).resolve() for p in {sysconfig.get_paths()[k] for k in (
    "stdlib", "platstdlib", "purelib", "platlib")})


def _library(filename: str) -> bool:
    if filename.startswith("<"):
        return True  # <frozen importlib._bootstrap>, <__array_function__ internals>
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    return not path.is_relative_to(_PACKAGE) and any(path.is_relative_to(p)
                                                      for p in _LIBRARIES)


def _inside(filename: str) -> bool:
    try:
        return Path(filename).resolve().is_relative_to(_PACKAGE)
    except (OSError, ValueError):
        return False


def checker_bug(exc: BaseException) -> str | None:
    """The message for an exception raised by gradcheck itself, or None (not ours).

    Parameters
    ----------
    exc : BaseException
        The exception, with its traceback.

    Returns
    -------
    str or None
        ``"gradcheck bug (not your code): IndexError: ... (gradcheck/x.py:12); please
        report it, -v shows the traceback"`` for an error of logic (``IndexError``,
        ``KeyError``, ``AttributeError`` ...); None for other types, or when the
        innermost frame is not in gradcheck (the user's code, or a library the user's
        code called); library frames (numpy, the standard library) belong to their
        caller.
    """
    if not isinstance(exc, _LOGIC):
        return None
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _library(f.filename)]
    if not frames or not _inside(frames[-1].filename):
        return None
    last = frames[-1]
    where = Path(last.filename).resolve().relative_to(_PACKAGE.parent)
    return (f"gradcheck bug (not your code): {type(exc).__name__}: {exc} ({where}:"
            f"{last.lineno}); please report it, -v shows the traceback")


def traceback_text(exc: BaseException) -> str:
    """The traceback as text (for ``-v``)."""
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip()


def checker_raised(exc: Exception, name: str, kind: str) -> tuple[Any, str | None]:
    """An exception a check let through, as the runner's engine call returns it.

    Gradcheck's own bug: ``(report, None)``, an ``error`` report saying so, its traceback
    in the notes (shown under ``-v``). Anything else: ``(None, problem)``, as before.
    """
    from gradcheck.report import ERROR, Report

    bug = checker_bug(exc)
    if bug is None:
        return None, f"the checker raised {type(exc).__name__}: {exc}"
    report = Report(name=name, kind=kind, status=ERROR, problems=[bug],
                    notes=["traceback of the gradcheck bug:\n" + traceback_text(exc)])
    return report, None
