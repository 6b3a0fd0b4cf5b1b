"""Calling the user's code while probing: an exception is an answer, not a crash.

:func:`user_call` turns the user's exception into :class:`UserCodeError` (an ``error`` row,
with the file and line) or, for ``NotImplementedError``, :class:`SkipError`; :func:`tries`
turns a rejected probe into a value.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from gradcheck.errors import SkipError, UserCodeError, UserError
from gradcheck.targets.loading import describe_exception
from gradcheck.targets.loading import quiet as _quiet

__all__ = ["REJECTED", "SkipError", "UserError", "tries", "user_call"]


def user_call(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its output captured; its exceptions as probe errors."""
    try:
        with _quiet(io.StringIO()):
            return function(*args, **kwargs)
    except NotImplementedError as exc:
        raise SkipError(f"{what} raises NotImplementedError (an abstract base class)") from exc
    except Exception as exc:  # noqa: BLE001 - the user's code
        raise UserCodeError(f"{what} raised {describe_exception(exc)}") from exc


def tries(function: Callable[..., Any], *args: Any, rejected: Any = None) -> Any:
    """The result of a probe call, or ``rejected`` when the user's code rejects the data."""
    try:
        with _quiet(io.StringIO()):
            return function(*args)
    except Exception:  # noqa: BLE001 - rejecting the data is an answer
        return rejected


REJECTED = object()
