"""What the user's code prints or logs while it is probed and checked: kept out of the report.

``print`` (stdout and stderr) and ``logging`` handlers that write to the terminal are
redirected into one buffer for the duration; the CLI shows it under ``-v``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["captured"]


def _terminal_handlers() -> list[logging.StreamHandler[Any]]:
    loggers = [logging.getLogger(), *(
        v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    streams = {id(sys.stdout), id(sys.stderr), id(sys.__stdout__), id(sys.__stderr__)}
    return [h for lg in loggers for h in lg.handlers
            if type(h) is logging.StreamHandler and id(h.stream) in streams]


@contextlib.contextmanager
def captured(buffer: io.StringIO) -> Iterator[io.StringIO]:
    """Send prints and terminal logging into ``buffer`` while the block runs."""
    handlers = _terminal_handlers()
    saved = [h.stream for h in handlers]
    for handler in handlers:
        handler.setStream(buffer)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield buffer
    finally:
        for handler, stream in zip(handlers, saved, strict=True):
            handler.setStream(stream)
