"""Calling user code: exceptions become verdicts, signatures say how to call forward."""

from __future__ import annotations

import inspect
import traceback
from typing import Any

from gradcheck.errors import ProtocolError, UserCodeError
from gradcheck.protocol.roles import method_names

__all__ = ["ProtocolError", "UserCodeError", "call", "forward_parameters", "raised_at",
           "wants_training"]


def call(obj: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``obj.method(*args, **kwargs)``; wrap any exception as :class:`UserCodeError`."""
    try:
        return getattr(obj, method)(*args, **kwargs)
    except Exception as exc:
        raise UserCodeError(
            f"{type(obj).__name__}.{method} raised {type(exc).__name__}: {exc}{raised_at(exc)}"
        ) from exc


def raised_at(exc: BaseException, *, beyond: int = 0) -> str:
    """`` (file.py:12)``: where ``exc`` was raised, the innermost frame of its traceback.

    ``""`` when the traceback has ``beyond`` frames or fewer: with ``beyond=1``, an
    exception raised by the calling frame itself (the call's own ``TypeError``) has no
    place in the user's code.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    if len(frames) <= beyond:
        return ""
    last = frames[-1]
    return f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"


_SIGNATURES: dict[type, list[inspect.Parameter] | None] = {}


def forward_parameters(obj: Any) -> list[inspect.Parameter] | None:
    """The parameters of ``obj.forward`` (cached per class: classes rarely change)."""
    cls: type = type(obj)
    if cls not in _SIGNATURES:
        try:
            forward = getattr(obj, method_names(cls)[0] or "forward")
            _SIGNATURES[cls] = list(inspect.signature(forward).parameters.values())
        except (TypeError, ValueError, AttributeError):
            _SIGNATURES[cls] = None
    return _SIGNATURES[cls]


def wants_training(obj: Any, given: bool | None, inputs: int = 1) -> tuple[bool, bool]:
    """Whether forward takes a ``training`` argument after its ``inputs``, and its value."""
    params = forward_parameters(obj)
    if params is None:
        return False, False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) < inputs + 1:
        return False, False
    second = positional[inputs]
    if given is not None:
        return True, given
    if second.default is inspect.Parameter.empty:
        return True, True
    return False, False
