"""``check_engine``: every operation of an autograd engine written from scratch."""

from __future__ import annotations

import copy
import inspect
import io
import time
import warnings
from functools import partial
from typing import Any

import numpy as np

# views also installs the reports' repr and HTML (as gradcheck.api does)
from gradcheck import views
from gradcheck.engine import threads
from gradcheck.engine.autograd_run import EngineCheck
from gradcheck.engine.capture import captured
from gradcheck.engine.state import numpy_unpatched
from gradcheck.errors import EngineCallError, GradcheckWarning, GradientError
from gradcheck.protocol.autograd import inspect_engine
from gradcheck.report import ERROR, FAILED, INCONCLUSIVE, EngineReport, Kind

__all__ = ["check_engine"]


def check_engine(
    engine: type,
    *,
    seed: int | None = None,
    raise_on_failure: bool = True,
    verbose: bool = False,
) -> EngineReport:
    """Check every operation of a scalar ``Value`` or NumPy ``Tensor`` autograd engine.

    The operations are found by what the class defines: ``+ - * / ** neg`` and their
    reflected forms (``__radd__`` ...), ``exp log tanh relu sigmoid``, for tensors
    ``@ sum mean max reshape transpose T [...]`` (with ``axis``/``keepdims`` variants when
    the signature has them), and any other public method taking no argument. Each is
    checked on several expressions, alone and composed: leaves used twice (``a * a``,
    ``a * b + a``), constants on either side (``2.0 * a``), broadcast shapes, every axis,
    repeated indices, square and non-square products, a non-uniform upstream gradient. The
    engine's ``grad`` on each leaf is compared with central finite differences of
    ``.data``. ``backward()`` itself is checked too: an interior node used twice in both
    operand orders (its topological order), and a second ``backward()`` on the same leaves
    after zeroing them (``zero_grad()`` when the class has one, else ``.grad`` reset as on
    a new value).

    Parameters
    ----------
    engine : type
        The class: ``Value`` (``Value(2.0).data``, ``.grad``, ``backward()``) or ``Tensor``
        (``.data`` and ``.grad`` arrays; built with ``requires_grad=True`` when its
        constructor takes it).
    seed : int, optional
        Seed of the leaf values and upstream gradients (default 0).
    raise_on_failure : bool, default True
        Raise :class:`GradientError` when an operation is wrong or raises.
    verbose : bool, default False
        Print what the engine printed or logged while it was checked (after the check).
        It is kept in ``report.output`` either way, as by :func:`~gradcheck.check_layer`.

    Returns
    -------
    EngineReport
        One :class:`~gradcheck.report.OpResult` per operation (``mul``, ``sum``, ...) and
        two for ``backward()`` (``backward``, ``second backward``): the failing
        expression, its values, analytic vs numeric and, where the evidence is
        unambiguous, the likely bug. ``absent`` lists the operations the class does not
        define (not failures).

    Raises
    ------
    GradientError
        An operation's gradient is wrong, missing or misshapen, its forward differs from
        NumPy's, or the engine raised in backward.
    TypeError
        ``engine`` is not a class whose instances have ``data``, ``grad`` and
        ``backward()``.

    Notes
    -----
    - Domains: ``log`` and fractional powers get positive values; ``relu`` is also
      checked at exactly 0, where any value between the one-sided derivatives passes.
    - A float32 engine (``.data`` float32) gets tolerances of float32.
    - An exception in the engine's forward of one expression marks that expression as not
      supported (``2.0 ** a`` without ``__rpow__``); in its backward, the operation's
      ``error``.
    - Nothing of the class is left changed: its class attributes and the mutable default
      arguments of its methods are restored.

    Examples
    --------
    >>> import math
    >>> class Value:
    ...     def __init__(self, data, children=()):
    ...         self.data, self.grad, self._prev = data, 0.0, children
    ...         self._backward = lambda: None
    ...     def __add__(self, other):
    ...         other = other if isinstance(other, Value) else Value(other)
    ...         out = Value(self.data + other.data, (self, other))
    ...         def _backward():
    ...             self.grad += out.grad
    ...             other.grad += out.grad
    ...         out._backward = _backward
    ...         return out
    ...     def __mul__(self, other):
    ...         other = other if isinstance(other, Value) else Value(other)
    ...         out = Value(self.data * other.data, (self, other))
    ...         def _backward():
    ...             self.grad += other.data * out.grad
    ...             other.grad += self.data * out.grad
    ...         out._backward = _backward
    ...         return out
    ...     def backward(self):
    ...         order, seen = [], set()
    ...         def visit(v):
    ...             if v not in seen:
    ...                 seen.add(v)
    ...                 for child in v._prev:
    ...                     visit(child)
    ...                 order.append(v)
    ...         visit(self)
    ...         self.grad = 1.0
    ...         for v in reversed(order):
    ...             v._backward()
    >>> check_engine(Value).ok
    True
    """
    __tracebackhide__ = True
    if not isinstance(engine, type):
        raise TypeError(f"engine must be a class (Value, Tensor), got {type(engine).__name__}: "
                        "pass the class itself, e.g. check_engine(Value)")
    if not callable(getattr(engine, "backward", None)):
        raise TypeError(f"{engine.__name__} has no backward() method: not an autograd engine")
    return views.with_output(partial(_checked, engine, seed, raise_on_failure),
                             verbose=verbose)


def _checked(engine: type, seed: int | None, raise_on_failure: bool) -> EngineReport:
    """The check of :func:`check_engine`, once ``engine`` is known to be a class."""
    __tracebackhide__ = True
    report = EngineReport(name=engine.__name__, kind=Kind.ENGINE, mode="exhaustive")
    start = time.perf_counter()
    saved = _ClassState(engine)
    output = io.StringIO()
    try:
        with (captured(output), numpy_unpatched(), threads.capped(),
              np.errstate(all="ignore"), warnings.catch_warnings()):
            warnings.simplefilter("ignore", RuntimeWarning)
            found = inspect_engine(engine)  # (TypeError: not an engine)
            if isinstance(found, str):
                report.status = ERROR
                report.problems.append(f"{engine.__name__} {found}")
            else:
                report.dtype = str(found.dtype)
                report.notes += found.notes
                EngineCheck(found, report, 0 if seed is None else seed).run()
    except EngineCallError as exc:  # the engine raised outside one operation
        report.status = ERROR
        report.problems.append(str(exc))
    except TypeError as exc:
        if "not an autograd engine" in str(exc):
            raise
        report.status = ERROR
        report.gradients.clear()
        report.problems.append(_ours(engine, exc))
    except Exception as exc:  # noqa: BLE001 - the checker's own failure: a verdict, not a crash
        report.status = ERROR
        report.gradients.clear()
        report.problems.append(_ours(engine, exc))
    finally:
        saved.restore()
    report.output = output.getvalue()
    report.seconds = time.perf_counter() - start
    report.finish()
    if report.status in (FAILED, ERROR) and raise_on_failure:
        raise GradientError(report)
    if report.status == INCONCLUSIVE:
        warnings.warn(report.message, GradcheckWarning, stacklevel=4)  # the caller's line
    return report


def _ours(engine: type, exc: Exception) -> str:
    return (f"the check of {engine.__name__} stopped on {type(exc).__name__}: {exc}: a bug in "
            f"gradcheck, not in {engine.__name__} (please report it)")


class _ClassState:
    """The class attributes and mutable default arguments of an engine, restorable."""

    def __init__(self, cls: type) -> None:
        self.bindings: list[tuple[type, dict[str, Any]]] = []
        self.defaults: list[tuple[Any, Any]] = []
        for klass in cls.__mro__:
            if klass is object or (klass.__module__ or "").startswith(("builtins", "numpy")):
                continue
            self.bindings.append((klass, dict(vars(klass))))
            for value in vars(klass).values():
                function = getattr(value, "__func__", value)
                for default in getattr(function, "__defaults__", None) or ():
                    if isinstance(default, list | dict | set):
                        self.defaults.append((default, copy.copy(default)))
                if inspect.isfunction(function):
                    for cell_default in (function.__kwdefaults__ or {}).values():
                        if isinstance(cell_default, list | dict | set):
                            self.defaults.append((cell_default, copy.copy(cell_default)))
        self.contents = [(v, copy.copy(v)) for _, d in self.bindings for v in d.values()
                         if isinstance(v, list | dict | set)]

    def restore(self) -> None:
        for klass, saved in self.bindings:
            for name in [n for n in vars(klass) if n not in saved]:
                _try(delattr, klass, name)
            for name, value in saved.items():
                if vars(klass).get(name, _MISSING) is not value:
                    _try(setattr, klass, name, value)
        for container, before in [*self.defaults, *self.contents]:
            container.clear()
            container.update(before) if not isinstance(container, list) else \
                container.extend(before)


_MISSING = object()


def _try(function: Any, *args: Any) -> None:
    try:
        function(*args)
    except (AttributeError, TypeError):
        pass
