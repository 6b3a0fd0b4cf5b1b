"""What the user's code prints or logs while it is probed and checked: kept out of the report.

``print`` (stdout and stderr) and ``logging`` handlers that write to the terminal are
redirected into one buffer for the duration. Every check (:func:`gradcheck.engine.frame.framed`)
keeps its own in ``Report.output``; the CLI shows what a class printed under ``-v``. A
capture inside another (a check inside the CLI's capture of a class) hands what it caught
to the enclosing one when it ends, so both see it, in order.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["captured", "line_count"]

# the buffers of the captures in progress, innermost last
_ACTIVE: list[io.StringIO] = []


def _terminal_handlers() -> list[logging.StreamHandler[Any]]:
    """Logging handlers writing to the terminal (or into an enclosing capture)."""
    loggers = [logging.getLogger(), *(
        v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    streams = {id(sys.stdout), id(sys.stderr), id(sys.__stdout__), id(sys.__stderr__),
               *(id(b) for b in _ACTIVE)}
    return [h for lg in loggers for h in lg.handlers
            if type(h) is logging.StreamHandler and id(h.stream) in streams]


@contextlib.contextmanager
def captured(buffer: io.StringIO) -> Iterator[io.StringIO]:
    """Send prints and terminal logging into ``buffer`` while the block runs.

    Parameters
    ----------
    buffer : io.StringIO
        Receives the text. When this capture runs inside another, the enclosing buffer
        also receives it when the block ends.
    """
    handlers = _terminal_handlers()
    saved = [h.stream for h in handlers]
    start = buffer.tell()
    for handler in handlers:
        handler.setStream(buffer)
    _ACTIVE.append(buffer)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        _ACTIVE.pop()
        for handler, stream in zip(handlers, saved, strict=True):
            handler.setStream(stream)
        if _ACTIVE and _ACTIVE[-1] is not buffer:
            _ACTIVE[-1].write(buffer.getvalue()[start:])


def line_count(text: str) -> int:
    """Lines in captured text (a last line without its newline counts)."""
    return len(text.splitlines())
