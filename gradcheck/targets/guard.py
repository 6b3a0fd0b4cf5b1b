"""Run the user's code so that it cannot hang the gate, end the process or fake a Ctrl-C.

:func:`guarded` wraps loading a target and each class's check:

- **time limit**: a watchdog thread interrupts the main thread once the limit has passed
  (the code stops at its next Python instruction, with an exception it cannot mistake for
  its own); if the code does not stop within a grace period (stuck in C, or swallowing
  the interrupt with a bare ``except``), the watchdog prints why and ends the process with
  exit code 2, so a CI job never waits forever nor passes silently.
- **os._exit**: while user code runs, ``os._exit`` raises instead of ending the process
  (``sys.exit`` and ``exit()`` raise ``SystemExit`` anyway); both become a clear error.
- **KeyboardInterrupt**: a SIGINT handler marks a real Ctrl-C; a ``KeyboardInterrupt``
  the user's code raises itself is an error of that code, not an interrupt.

Each becomes :class:`GuardError` with a one-line message; a real Ctrl-C propagates as
``KeyboardInterrupt``. Signals are only handled in the main thread; elsewhere only the
``os._exit`` guard applies.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

from gradcheck.errors import GuardError, GuardTimeout, ProcessExitAttempt

__all__ = ["EXIT_HUNG", "GRACE_SECONDS", "GuardError", "guarded"]

# Seconds the code gets to stop once interrupted at its time limit, before the process
# ends with exit code 2.
GRACE_SECONDS = 10.0
EXIT_HUNG = 2

_REAL_EXIT = os._exit


def _refuse_exit(status: int = 0) -> NoReturn:
    raise ProcessExitAttempt(status)


@contextlib.contextmanager
def guarded(what: str, seconds: float | None, *, option: str = "",
            on_hung: Callable[[str], None] | None = None) -> Iterator[None]:
    """Run the body as user code: time limit, no process exit, no fake interrupt.

    Parameters
    ----------
    what : str
        Names the code in messages, e.g. ``"loading layers.py"``.
    seconds : float or None
        The time limit; ``None`` or ``0`` for none.
    option : str
        The command-line option that sets the limit, named in the timeout message.
    on_hung : callable, optional
        Called with the message just before the process ends because the code did not
        stop when interrupted (e.g. to write the JSON report a CI job reads).

    Raises
    ------
    GuardError
        The code exceeded the limit, called ``os._exit``/``sys.exit`` or raised
        ``KeyboardInterrupt`` itself.
    KeyboardInterrupt
        The user pressed Ctrl-C.
    """
    state = {"interrupted": False, "timed_out": False}
    lock = threading.Lock()
    finished = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = None
    if in_main:
        def on_sigint(signum: int, frame: Any) -> None:
            with lock:
                timed_out = state["timed_out"] and not finished.is_set()
            if timed_out:
                raise GuardTimeout
            state["interrupted"] = True
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, on_sigint)
    watchdog = None
    if in_main and seconds:
        watchdog = threading.Thread(
            target=_watch, args=(what, float(seconds), finished, state, lock, on_hung),
            daemon=True,
            name="gradcheck-guard",
        )
        watchdog.start()
    os._exit = _refuse_exit
    try:
        yield
    except GuardTimeout:
        hint = f" (raise it with {option})" if option else ""
        raise GuardError(f"{what} did not finish within its time limit of {seconds:g} s"
                         f"{hint}") from None
    except ProcessExitAttempt as exc:
        raise GuardError(f"{what} called os._exit({exc.code}), which would end the check "
                         "silently") from None
    except SystemExit as exc:
        raise GuardError(f"{what} called sys.exit({exc.code})") from None
    except KeyboardInterrupt:
        if state["interrupted"]:
            raise
        raise GuardError(f"{what} raised KeyboardInterrupt itself (not a Ctrl-C)") from None
    finally:
        with lock:
            finished.set()
        os._exit = _REAL_EXIT
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _watch(what: str, seconds: float, finished: threading.Event, state: dict[str, bool],
           lock: threading.Lock, on_hung: Callable[[str], None] | None) -> None:
    if finished.wait(seconds):
        return
    with lock:
        if finished.is_set():
            return
        state["timed_out"] = True
    _thread.interrupt_main(signal.SIGINT)
    if finished.wait(GRACE_SECONDS):
        return
    message = (f"{what} did not finish within its time limit of {seconds:g} s and did not "
               f"stop when interrupted ({GRACE_SECONDS:g} s later): stuck in compiled code "
               "or catching every exception; stopping")
    with contextlib.suppress(Exception):
        stderr = sys.__stderr__  # None under pythonw: then nothing is written
        if stderr is not None:
            stderr.write(f"gradcheck: error: {message}\n")
            stderr.flush()
    if on_hung is not None:
        with contextlib.suppress(Exception):
            on_hung(message)
    _REAL_EXIT(EXIT_HUNG)
