"""What the user's code prints or logs while it is probed and checked: kept out of the report.

``print`` (stdout and stderr) and ``logging`` handlers that write to the terminal are
redirected into one buffer for the duration, and the code reads an empty stdin
(``input()`` raises ``EOFError`` at once instead of waiting on a terminal or a pipe).
Every check (:func:`gradcheck.engine.frame.framed`) keeps its own in ``Report.output``;
the CLI shows what a class printed under ``-v``. A capture inside another (a check inside
the CLI's capture of a class) hands what it caught to the enclosing one when it ends, so
both see it, in order.
"""

from __future__ import annotations

import io
import logging
import sys
from typing import Any

__all__ = ["captured", "line_count"]

# the buffers of the captures in progress, innermost last
_ACTIVE: list[io.StringIO] = []


def _terminal_handlers() -> list[logging.StreamHandler[Any]]:
    """Logging handlers writing to the terminal (or into an enclosing capture)."""
    # (most loggers have no handler: the streams are gathered only when one has)
    manager = logging.Logger.manager
    loggers = [logging.getLogger(), *(
        v for v in manager.loggerDict.values() if isinstance(v, logging.Logger))]
    handlers = [h for lg in loggers for h in lg.handlers if type(h) is logging.StreamHandler]
    if not handlers:
        return handlers
    streams = {id(sys.stdout), id(sys.stderr), id(sys.__stdout__), id(sys.__stderr__),
               *(id(b) for b in _ACTIVE)}
    return [h for h in handlers if id(h.stream) in streams]


class captured:  # noqa: N801 - used as a function: ``with captured(buffer):``
    """Send prints and terminal logging into ``buffer`` while the block runs.

    A context manager (a class rather than a generator: it frames every check, and this
    costs a few microseconds less each time).

    Parameters
    ----------
    buffer : io.StringIO
        Receives the text. When this capture runs inside another, the enclosing buffer
        also receives it when the block ends.
    """

    __slots__ = ("_buffer", "_handlers", "_saved", "_start", "_stdin", "_stdout", "_stderr")

    def __init__(self, buffer: io.StringIO) -> None:
        self._buffer = buffer

    def __enter__(self) -> io.StringIO:
        buffer = self._buffer
        self._handlers = handlers = _terminal_handlers()
        self._saved = [h.stream for h in handlers]
        self._start = buffer.tell()
        for handler in handlers:
            handler.setStream(buffer)
        _ACTIVE.append(buffer)
        self._stdout, self._stderr, self._stdin = sys.stdout, sys.stderr, sys.stdin
        sys.stdout = sys.stderr = buffer
        sys.stdin = io.StringIO()  # input(): EOFError, never a wait
        return buffer

    def __exit__(self, *exc: object) -> None:
        buffer = self._buffer
        sys.stdout, sys.stderr, sys.stdin = self._stdout, self._stderr, self._stdin
        _ACTIVE.pop()
        for handler, stream in zip(self._handlers, self._saved, strict=True):
            handler.setStream(stream)
        if _ACTIVE and _ACTIVE[-1] is not buffer:
            _ACTIVE[-1].write(buffer.getvalue()[self._start:])


def line_count(text: str) -> int:
    """Lines in captured text (a last line without its newline counts)."""
    return len(text.splitlines())
