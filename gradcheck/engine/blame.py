"""Whose exception it is: the user's code or gradcheck's own.

An exception that reaches the frame of a check without passing through
:func:`gradcheck.protocol.calls.call` (which names the user's method and line) is judged
by its traceback: the innermost frame outside numpy and the standard library says where
it was raised. Raised in the gradcheck package, it is a gradcheck bug (never the user's
``error``, the traceback kept for ``-v``); raised in the user's file (a property read while
the object is snapshotted, say), it is the user's, with the file and line.
"""

from __future__ import annotations

import os
import sysconfig
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Blame", "blame", "checker_raised"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARIES = tuple(
    os.path.abspath(p) for p in {sysconfig.get_paths()["stdlib"],
                                  os.path.dirname(os.path.abspath(np.__file__))}
)


@dataclass
class Blame:
    """Where an exception was raised, and whether that is gradcheck's own code."""

    internal: bool
    where: str  # "places.py:139"
    text: str  # the formatted traceback


def blame(exc: BaseException) -> Blame:
    """Judge ``exc`` by the innermost frame of its traceback outside the libraries."""
    frames = traceback.extract_tb(exc.__traceback__)
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    own = [f for f in frames if not os.path.abspath(f.filename).startswith(_LIBRARIES)]
    if not own:
        return Blame(True, "", text)
    last = own[-1]
    where = f"{os.path.basename(last.filename)}:{last.lineno}"
    return Blame(os.path.abspath(last.filename).startswith(_PACKAGE + os.sep), where, text)


def checker_raised(exc: Exception, name: str, kind: str) -> tuple[Any, str | None]:
    """An exception a check let through, as the runner's engine call returns it.

    Raised inside gradcheck: ``(report, None)``, an ``error`` report saying it is a
    gradcheck bug, its traceback in the notes (shown under ``-v``). Anything else:
    ``(None, problem)``, as before.
    """
    from gradcheck.report import ERROR, Report

    who = blame(exc)
    if not who.internal:
        return None, f"the checker raised {type(exc).__name__}: {exc}"
    problem = (f"gradcheck itself raised {type(exc).__name__}: {exc} ({who.where}): a "
               "gradcheck bug, not an error in your code; please report it (the traceback "
               "is shown with -v)")
    report = Report(name=name, kind=kind, status=ERROR, problems=[problem],
                    notes=["gradcheck traceback:\n" + who.text.rstrip()])
    return report, None
