"""A backward that takes the forward's inputs (or output) where CS231n passes a cache.

``relu(x) -> out`` with ``relu_backward(dout, x)``, ``linear(x, W, b) -> out`` with
``linear_backward(dout, x, W, b) -> (dx, dW, db)``, ``sigmoid(z)`` with
``sigmoid_backward(dout, s)`` reading the output: the pair has no cache, and the
backward is given what the forward was given, or the forward's output. Read as
a CS231n pair (:func:`readings`): the adapted forward returns ``(out, inputs)`` (or
``(out, (out,))``) and the adapted backward unpacks that "cache" into the user's
backward, so the function engine checks the pair as it checks any other.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.protocol.calls import UserCodeError
from gradcheck.protocol.function import call_user

__all__ = ["INPUTS", "OUTPUT", "CachelessPair", "readings"]

INPUTS, OUTPUT = "inputs", "output"


@dataclass(frozen=True)
class CachelessPair:
    """One reading of a pair without a cache, adapted to ``(out, cache)`` / ``(dout, cache)``.

    Attributes
    ----------
    forward, backward : callable
        The adapters (named and signed as the user's functions).
    reading : {"inputs", "output"}
        What the user's backward takes after ``dout``.
    note : str
        The report's line saying which reading was used.
    """

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    reading: str
    note: str


def readings(forward: Callable[..., Any], backward: Callable[..., Any] | None,
             args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[CachelessPair]:
    """The readings of a pair whose forward returns one array and no cache.

    Empty unless ``backward`` takes ``dout`` and then exactly as many arguments as the
    forward was given (none named ``cache``), and the forward, called once on copies
    (the global random state restored after it), returns a single array. With one
    argument the output reading is tried too.

    Parameters
    ----------
    forward, backward : callable
        The user's pair (``backward`` None: a loss function, never cacheless).
    args, kwargs
        The forward's arguments.
    """
    if backward is None:
        return []
    names = _required(backward)
    if names is None or len(names) != 1 + len(args) or any("cache" in n for n in names):
        return []
    state = np.random.get_state()  # a dropout forward draws: the caller's state is kept
    try:
        out = call_user(forward, *[np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                                   for a in args], **kwargs)
    except UserCodeError:
        return []  # a forward that raises is reported by the check, as a pair
    finally:
        np.random.set_state(state)
    if not isinstance(out, np.ndarray):
        return []
    f = getattr(forward, "__name__", "forward")
    b = getattr(backward, "__name__", "backward")
    shown = ", ".join(names[1:])
    found = [_adapt(forward, backward, INPUTS,
                    f"{b}(dout, {shown}) takes {f}'s inputs where a CS231n backward takes "
                    "a cache")]
    if len(args) == 1:
        x = (_required(forward) or ["x"])[0]
        found.append(_adapt(forward, backward, OUTPUT,
                            f"{b}(dout, {names[1]}) reads {f}'s output: {b}(dout, "
                            f"{f}({x})) is the gradient at {x}"))
    return found


def _adapt(forward: Callable[..., Any], backward: Callable[..., Any], reading: str,
           note: str) -> CachelessPair:
    @functools.wraps(forward)
    def adapted_forward(*a: Any, **k: Any) -> tuple[Any, tuple[Any, ...]]:
        out = forward(*a, **k)
        return out, (a if reading == INPUTS else (out,))

    def adapted_backward(dout: Any, cache: tuple[Any, ...]) -> Any:
        return backward(dout, *cache)

    # named as the user's, but signed (dout, cache): its signature says one upstream gradient
    adapted_backward.__name__ = getattr(backward, "__name__", "backward")
    adapted_backward.__qualname__ = getattr(backward, "__qualname__", "backward")

    return CachelessPair(adapted_forward, adapted_backward, reading, note)


def _required(function: Callable[..., Any]) -> list[str] | None:
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            and p.default is p.empty]
