"""``check_derivative``: a function and its derivative (re-exported by :mod:`gradcheck.api`)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradcheck.engine import validate as _validate
from gradcheck.engine.capture import captured
from gradcheck.engine.function_run import FunctionRun, prepare_arguments
from gradcheck.errors import GradientError, UserCodeError
from gradcheck.protocol.derivative import (
    INPUT,
    OUTPUT,
    adapters,
    differentiated_argument,
    output_first,
)
from gradcheck.protocol.function import (
    FunctionSubject,
    argument_names,
    call_user,
    is_float_array,
)
from gradcheck.report import ERROR, FAILED, PASSED, UNFINISHED, Kind, Report
from gradcheck.views import render_output

__all__ = ["check_derivative"]


def check_derivative(
    f: Callable[..., Any],
    f_prime: Callable[..., Any],
    *args: Any,
    wrt: int | str | None = None,
    reading: str | None = None,
    mode: str | None = None,
    step: float | None = None,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
    **kwargs: Any,
) -> Report:
    """Check a derivative ``f_prime`` of ``f`` against finite differences of ``f``.

    Two kinds of pairs are read:

    - **elementwise** (``sigmoid``/``sigmoid_prime``, ``relu``/``relu_derivative``): ``f``
      returns an array of its argument's shape and ``f_prime`` its derivative, element by
      element;
    - **loss primes** (``mse(y_true, y_pred)``/``mse_prime(y_true, y_pred)``,
      ``binary_cross_entropy``/``..._prime``): ``f`` returns a scalar and ``f_prime`` its
      gradient with respect to one argument, the prediction (``wrt``).

    An elementwise derivative is read two ways: in terms of the input (``relu_prime(x)``)
    and in terms of the function's output (``sigmoid_prime(s) = s * (1 - s)``, to be
    called as ``sigmoid_prime(sigmoid(x))``). Both are tried; the report's notes say
    which one held. A wrong derivative fails in both and is reported in the input reading.

    Parameters
    ----------
    f : callable
        The function, e.g. ``sigmoid`` or ``mse``.
    f_prime : callable
        Its derivative, called with the same arguments (or, in the output reading, with
        ``f``'s output in place of the differentiated argument).
    *args
        The arguments of ``f``: float arrays (or lists of floats); the differentiated one
        is chosen by ``wrt``.
    wrt : int or str, optional
        The argument ``f_prime`` differentiates, by position or by ``f``'s parameter name.
        Default: the only float argument; else the one named as a prediction (``y_pred``,
        ``output``, ``a``, ``p`` ...); else the second.
    reading : {None, "input", "output"}, optional
        Force one reading of the derivative (default: try both).
    mode, step, seed, raise_on_failure, verbose
        As in :func:`gradcheck.check_layer`.
    **kwargs
        Further keyword arguments of both functions.

    Returns
    -------
    Report
        ``report.kind == "derivative"``; one gradient result, named after ``f_prime``.

    Raises
    ------
    GradientError
        The derivative is wrong in both readings, of the wrong shape or not finite, it
        writes into its argument, or a function raised.
    TypeError, ValueError
        Unusable arguments, or ``f`` returns neither a scalar nor an array of the
        differentiated argument's shape.

    Notes
    -----
    Kinks are handled as for layers (``relu_prime`` at exactly 0 may return either side).
    A derivative that returns None, or only zeros from a template (``pass``), is
    ``unfinished``. The derivative gets copies: writing into them is reported, not felt.

    Examples
    --------
    >>> import numpy as np
    >>> def sigmoid(x):
    ...     return 1 / (1 + np.exp(-x))
    >>> def sigmoid_prime(s):  # in terms of the output: s = sigmoid(x)
    ...     return s * (1 - s)
    >>> report = check_derivative(sigmoid, sigmoid_prime, np.linspace(-3, 3, 7))
    >>> report.ok
    True
    >>> print(report.notes[0])
    derivative written in terms of the output: sigmoid_prime(sigmoid(x)) is the derivative at x
    """
    __tracebackhide__ = True
    _check_options(f_prime, reading, mode, step)
    args = tuple(np.asarray(a, dtype=np.float64) if isinstance(a, list) else a for a in args)
    values, _ = prepare_arguments(f, None, args, None)
    position = _position(f, values, wrt) if wrt is not None else \
        differentiated_argument(f, values)
    printed = io.StringIO()
    with captured(printed):  # what f prints while probed is kept with the check's output
        out, elementwise = _probe(f, values, position, kwargs)
    readings = [reading] if reading is not None else (
        [OUTPUT, INPUT] if elementwise and output_first(f_prime, position)
        else [INPUT, OUTPUT] if elementwise else [INPUT])
    pair = _Pair(f, f_prime, values, position, dict(kwargs), mode, step, seed,
                 # upstream gradient of ones: the compared values are the derivative's own
                 None if out is None else [np.ones(np.shape(out))])
    reports: dict[str, Report] = {}
    for how in readings:
        reports[how] = pair.run(how)
        if reports[how].status in (PASSED, ERROR, UNFINISHED):
            break
    report = _chosen(reports, len(readings), pair.f_name, pair.fp_name)
    report.output = printed.getvalue() + report.output
    if verbose:
        sys.stdout.write(render_output(report.name, report.output))
    if report.status in (FAILED, ERROR, UNFINISHED) and raise_on_failure:
        raise GradientError(report)
    return report


def _check_options(f_prime: Callable[..., Any], reading: str | None, mode: str | None,
                   step: float | None) -> None:
    """The arguments that need no call: a callable derivative, a known reading."""
    if not callable(f_prime):
        raise TypeError(f"f_prime must be a function, got {type(f_prime).__name__}")
    if reading not in (None, INPUT, OUTPUT):
        raise ValueError(f"reading must be None, 'input' or 'output', got {reading!r}")
    _validate.options(mode, step)


def _probe(f: Callable[..., Any], values: tuple[Any, ...], position: int,
           kwargs: dict[str, Any]) -> tuple[Any, bool]:
    """``f``'s output on copies of the arguments (None if it raised), and if elementwise."""
    try:
        out = call_user(f, *[np.array(a, copy=True) if isinstance(a, np.ndarray) else a
                             for a in values], **kwargs)
    except UserCodeError:
        out = None  # the check reports it
    elementwise = isinstance(out, np.ndarray) and out.shape == values[position].shape \
        and out.ndim > 0
    if out is not None and not elementwise and np.size(out) != 1:
        name = argument_names(f, len(values))[position]
        raise ValueError(
            f"{getattr(f, '__name__', 'f')} returned {np.shape(out)} for {name} of shape "
            f"{values[position].shape}: check_derivative reads an elementwise function "
            "(same shape) or a scalar loss; for (out, cache) pairs use check_function")
    return out, elementwise


@dataclass(frozen=True)
class _Pair:
    """A function and its derivative, checked in one reading at a time."""

    f: Callable[..., Any]
    f_prime: Callable[..., Any]
    values: tuple[Any, ...]
    position: int
    kwargs: dict[str, Any]
    mode: str | None
    step: float | None
    seed: int | None
    douts: list[np.ndarray] | None

    @property
    def f_name(self) -> str:
        return getattr(self.f, "__name__", "f")

    @property
    def fp_name(self) -> str:
        return getattr(self.f_prime, "__name__", "f_prime")

    def run(self, how: str) -> Report:
        """The report of the derivative read ``how`` (``input`` or ``output``)."""
        name = argument_names(self.f, len(self.values))[self.position]
        label = f"{self.fp_name} (d{self.f_name}/d{name})"
        pair = adapters(self.f, self.f_prime, self.position, how, dict(self.kwargs))
        subject = FunctionSubject(pair.forward, pair.backward, self.values, {},
                                  differentiate=[])
        subject.differentiate([self.position], [label])
        subject.sources = [self.f, self.f_prime]
        report = Report(name=self.fp_name, kind=Kind.DERIVATIVE)
        report = FunctionRun(report, subject, mode=self.mode, step=self.step, seed=self.seed,
                             douts=self.douts).execute(raise_on_failure=False)
        report.problems += pair.writes
        report.finish()
        return report


def _chosen(reports: dict[str, Report], tried: int, f_name: str, fp_name: str) -> Report:
    """The reading that held, with a note saying so; else the input reading's failure."""
    held = next((h for h, r in reports.items() if r.status == PASSED), None)
    if held is not None:
        report = reports[held]
        if tried > 1 or held == OUTPUT:
            report.notes.insert(0, _held_note(held, f_name, fp_name))
        return report
    report = reports.get(INPUT) or next(iter(reports.values()))
    other = reports.get(OUTPUT)
    if other is not None and other is not report and report.status == FAILED:
        report.notes.insert(0, f"read in terms of the output ({fp_name}({f_name}(x))) "
                            f"it is wrong too: {other.summary()}")
    return report


def _held_note(held: str, f_name: str, fp_name: str) -> str:
    if held == "output":
        return (f"derivative written in terms of the output: {fp_name}({f_name}(x)) is the "
                "derivative at x")
    return f"derivative written in terms of the input: {fp_name}(x) is the derivative at x"


def _position(f: Callable[..., Any], values: tuple[Any, ...], wrt: int | str) -> int:
    if isinstance(wrt, str):
        names = argument_names(f, len(values))
        if wrt not in names:
            raise ValueError(f"wrt={wrt!r} is none of the arguments ({', '.join(names)})")
        position = names.index(wrt)
    elif isinstance(wrt, int) and not isinstance(wrt, bool) and 0 <= wrt < len(values):
        position = wrt
    else:
        raise ValueError(f"wrt={wrt!r} must be an argument's name or position "
                         f"(0..{len(values) - 1})")
    if not is_float_array(values[position]):
        raise ValueError(f"wrt={wrt!r} is not a float array argument")
    return position
