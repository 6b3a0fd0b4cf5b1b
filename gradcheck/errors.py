"""Every exception and warning of gradcheck, in one module.

Public (users catch or filter them):

- :class:`GradientError`: a check failed (raised by every ``check_*`` function).
- :class:`GradcheckWarning`: a check could not decide (``inconclusive``).
- :class:`ArgumentError`: an argument found unusable once the object has been called.
- :class:`UserCodeError`: the checked code raised; the message names the method and line.
- :class:`TargetError`: a file or module given to the command line cannot be used.

The others are raised and caught inside gradcheck and never reach a user; they live here
so that one module answers "what can gradcheck raise?". The old modules re-export the
names they used to define (``gradcheck.report.GradientError``,
``gradcheck.engine.frame.GradcheckWarning``, ...), so imports written against them keep
working.

This module imports nothing from gradcheck: every layer may import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradcheck.report import Report

__all__ = [
    "ArgumentError",
    "BuildError",
    "CheckAbortedError",
    "EngineCallError",
    "GradcheckFailedError",
    "GradcheckWarning",
    "GradientError",
    "GuardError",
    "GuardTimeout",
    "NotStackableError",
    "NotebookError",
    "ProcessExitAttempt",
    "ProtocolError",
    "SkipError",
    "TargetError",
    "UnfinishedError",
    "UsageError",
    "UserCodeError",
    "UserError",
]


# ----------------------------------------------------------------------------- public
class GradientError(AssertionError):
    """A backward pass disagrees with finite differences or breaks the NNFS protocol.

    Raised by :func:`gradcheck.check_layer`, :func:`gradcheck.check_loss`,
    :func:`gradcheck.check_function`, :func:`gradcheck.check_model` and
    :func:`gradcheck.check_params` when the check fails (unless
    ``raise_on_failure=False``). It subclasses ``AssertionError`` so that pytest shows it
    as a test failure.

    Parameters
    ----------
    report : Report
        The failing report; its ``message`` is the exception's text.

    Attributes
    ----------
    report : Report
        The failing report: ``error.report.gradients`` lists every gradient's verdict.

    Examples
    --------
    >>> import numpy as np
    >>> from gradcheck import GradientError, check_layer
    >>> class Double:
    ...     def forward(self, inputs):
    ...         self.output = 2 * inputs
    ...     def backward(self, dvalues):
    ...         self.dinputs = dvalues  # forgot the factor 2
    >>> try:
    ...     check_layer(Double(), np.ones((2, 3)))
    ... except GradientError as error:
    ...     print(error.report.status)
    failed
    """

    def __init__(self, report: Report) -> None:
        super().__init__(report.message)
        self.report = report


class GradcheckWarning(UserWarning):
    """A check that could not decide (``inconclusive``); the report says where.

    Warned by the ``check_*`` functions when finite differences cannot decide a gradient
    (steps leave the function's domain, the function wiggles below the step). It is never
    a pass in disguise: the report's status is ``inconclusive``. Turn it into an error with
    ``warnings.simplefilter("error", GradcheckWarning)`` or pytest's ``-W error``.
    """


class ArgumentError(ValueError):
    """An argument found unusable once the object has been called (e.g. ``dvalues``).

    Most unusable arguments raise ``TypeError`` or ``ValueError`` before any call; this
    one is raised when only the call shows it (``dvalues`` not of the output's shape).
    It subclasses ``ValueError``, so ``except ValueError`` catches both.
    """


class UserCodeError(Exception):
    """The checked code raised; the message names the method (or call) and the line.

    Inside a check it becomes the ``error`` verdict of the report (a ``GradientError``
    when the check raises); while the command line probes a class it becomes that class's
    ``error`` row. The original exception is its ``__cause__``.
    """


UserError = UserCodeError
"""Transitional alias: the probe's "the user's code raised" (now :class:`UserCodeError`)."""


class TargetError(Exception):
    """A target cannot be used: no such file, an import error, nothing to check.

    Raised by the command line and the pytest plugin when loading what they were given;
    the message is one line, for the user.
    """


class UsageError(Exception):
    """A problem with what the user asked the command line for: exit 2 with a message."""


# ----------------------------------------------------------------------------- internal
class ProtocolError(Exception):
    """The checked object does not follow the protocol (e.g. forward sets no output)."""


class UnfinishedError(ProtocolError):
    """The checked code is an unfinished template (returns None, or ``pass``)."""


class NotStackableError(Exception):
    """A stacked evaluation gave an output of an unexpected shape."""


class SkipError(Exception):
    """The class cannot be probed (an abstract base): skipped, with the message."""


class NotebookError(Exception):
    """The file is not a readable notebook."""


class GuardError(Exception):
    """The user's code timed out, tried to end the process, or raised KeyboardInterrupt."""


class GuardTimeout(BaseException):
    """Raised in the main thread at the time limit; ``except Exception`` cannot catch it."""


class ProcessExitAttempt(BaseException):
    """The user's code called ``os._exit`` while guarded; carries the exit code."""

    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = code


class BuildError(Exception):
    """The user's constructor raised while an example was built (the check's ``error``)."""


class CheckAbortedError(Exception):
    """A class's check stopped early with a verdict (e.g. its constructor raised)."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.message)
        self.result = result


class GradcheckFailedError(AssertionError):
    """A class failed its gradient check (or raised): carries the command line's result."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.message)
        self.result = result


class EngineCallError(Exception):
    """An autograd engine raised while built, run forward, run backward or reset.

    Attributes
    ----------
    stage : str
        ``"build"``, ``"forward"``, ``"backward"``, ``"zero"`` or ``"grad"``.
    """

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
