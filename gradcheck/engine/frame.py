"""The frame around every check: nothing left changed, exceptions turned into verdicts.

Layers and losses (:mod:`gradcheck.engine.run`), functions
(:mod:`gradcheck.engine.function_run`) and whole networks
(:mod:`gradcheck.engine.model_run`) run their passes inside :func:`framed`, which

- undoes ``nnfs.init()``'s numpy patches, caps BLAS threads and silences floating-point
  warnings for the duration;
- turns the object's exceptions into an ``error`` verdict, protocol violations into
  problems, and anything the checker cannot handle into an ``error`` naming it, never a
  crash (a bad argument found late still raises ``ArgumentError``);
- restores every state it was given (snapshot, random state), whatever happened;
- keeps what the checked code prints or logs in ``report.output``
  (:mod:`gradcheck.engine.capture`), out of the user's terminal or notebook;
- finishes the report, raises :class:`~gradcheck.report.GradientError` on failure when
  asked, and warns on an inconclusive check.
"""

from __future__ import annotations

import io
import sys
import time
import types
import warnings
from collections.abc import Callable

import numpy as np

from gradcheck.engine import threads
from gradcheck.engine.blame import blame
from gradcheck.engine.capture import captured
from gradcheck.engine.state import RandomPin, numpy_unpatched
from gradcheck.errors import (
    ArgumentError,
    GradcheckWarning,
    GradientError,
    ProtocolError,
    UnfinishedError,
    UserCodeError,
)
from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, UNFINISHED, Report

__all__ = ["ArgumentError", "GradcheckWarning", "framed"]


def framed(report: Report, body: Callable[[], None], *, name: str, noun: str,
           pin: RandomPin, restore: Callable[[], None] | None = None,
           evaluations: Callable[[], int | None] = lambda: None,
           draws_note: str = ("forward draws random numbers: the random state was pinned "
                              "before every forward call"),
           raise_on_failure: bool) -> Report:
    """Run ``body`` (the check's passes) inside the frame; return or raise the report.

    Parameters
    ----------
    report : Report
        The report the passes fill in.
    body : callable
        The passes.
    name, noun : str
        What is checked, for an unexpected failure ("the check could not evaluate
        ``name``: gradcheck itself raised ...", judged by :mod:`gradcheck.engine.blame`).
    pin : RandomPin
        The random state, restored afterwards.
    restore : callable, optional
        Puts the object back (``Snapshot.restore``).
    evaluations : callable
        The number of forward calls made (``None``: unknown).
    draws_note : str
        The note when the object was seen drawing random numbers.
    raise_on_failure : bool
        Raise :class:`~gradcheck.report.GradientError` when the check fails.
    """
    __tracebackhide__ = True
    start = time.perf_counter()
    printed = io.StringIO()
    try:
        with (
            captured(printed),
            numpy_unpatched() as unpatched,
            threads.capped(),
            np.errstate(all="ignore"),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore", RuntimeWarning)
            if unpatched:
                report.notes.append(
                    "nnfs.init() had patched numpy (float32 np.dot); undone during the "
                    "check so that it computes in float64"
                )
            body()
    except UserCodeError as exc:
        report.status = ERROR
        report.problems.insert(0, str(exc))
    except UnfinishedError as exc:
        report.status = UNFINISHED
        report.problems.insert(0, str(exc))
    except ProtocolError as exc:
        report.problems.append(str(exc))
    except ArgumentError:
        raise
    except Exception as exc:  # something the checker cannot handle: a verdict, not a crash
        report.status = ERROR
        who = blame(exc)
        article = "an" if noun[:1] in "aeiou" else "a"
        if who.internal:
            report.problems.insert(
                0,
                f"the check could not evaluate {name}: gradcheck itself raised "
                f"{type(exc).__name__}: {exc} ({who.where}): a gradcheck bug (or {article} {noun} "
                "it does not support yet), not an error in your code; please report it "
                "(the traceback is shown with -v)",
            )
            report.notes.append("gradcheck traceback:\n" + who.text.rstrip())
        else:
            report.problems.insert(
                0, f"{name} raised {type(exc).__name__}: {exc} ({who.where}) while checked")
    finally:
        if restore is not None:
            restore()
        pin.restore()
        count = evaluations()
        if count is not None:
            report.evaluations = count
        if pin.draws:
            report.notes.append(draws_note)
        report.output += printed.getvalue()
    report.seconds = time.perf_counter() - start
    report.finish()
    if report.status in (FAILED, ERROR, UNFINISHED) and raise_on_failure:
        raise GradientError(report)
    if report.status == INCONCLUSIVE:
        warnings.warn(report.message, GradcheckWarning, stacklevel=_caller_level())
    return report


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside gradcheck: the user's call.

    For the warnings raised in :func:`framed`, whichever entry point led there.
    """
    frame: types.FrameType | None = sys._getframe(2)
    level = 2
    while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] \
            == "gradcheck":
        frame, level = frame.f_back, level + 1
    return level
