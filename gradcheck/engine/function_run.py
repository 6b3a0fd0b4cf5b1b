"""One check of a forward/backward pair of functions (or a loss function).

The steps, for a :class:`~gradcheck.protocol.function.FunctionSubject`:

1. a warm-up forward on the caller's arguments, discarded (learns whether forward draws
   random numbers: dropout without a seed then gets the state pinned on every call);
2. the first pass, on fresh copies: forward, checks of its outputs and of what it wrote
   into its arguments; upstream gradients drawn; backward on copies of them, checks of
   what it wrote into them and into the arrays forward was given (the cache holds them);
3. the gradients matched to the float arguments by position, their number checked;
4. the numeric verification (:class:`~gradcheck.engine.verify.Verification`), each float
   argument as a parameter of the subject.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from gradcheck.engine.budget import EXHAUSTIVE_LIMIT
from gradcheck.engine.diagnose import diagnose
from gradcheck.engine.frame import framed
from gradcheck.engine.state import RandomPin
from gradcheck.engine.verify import Context, Verification
from gradcheck.errors import ArgumentError, ProtocolError, UnfinishedError, UserCodeError
from gradcheck.protocol.function import FunctionSubject, gradient_key, is_float_array
from gradcheck.protocol.source import unfinished
from gradcheck.report import (
    FAILED,
    INCONCLUSIVE,
    MISSING,
    PASSED,
    UNFINISHED,
    GradientResult,
    Report,
    Verdict,
)

__all__ = ["FunctionRun", "prepare_arguments"]


class _Holder:
    """What the random pin looks at: the function has no generators of its own."""


class FunctionRun:
    """One check of one function pair: set-up, analytic pass, numerics, report.

    Parameters
    ----------
    report : Report
        Filled in by the run.
    subject : FunctionSubject
        The functions and their arguments.
    mode, step, seed
        As in :func:`gradcheck.check_function`.
    douts : sequence of ndarray, optional
        Upstream gradients given by the caller (default: standard normal).
    """

    def __init__(self, report: Report, subject: FunctionSubject, *, mode: str | None,
                 step: float | None, seed: int | None,
                 douts: list[np.ndarray] | None = None) -> None:
        self.report, self.subject = report, subject
        self.mode, self.step = mode, step
        self.seed = 0 if seed is None else seed
        self.rng = np.random.default_rng(self.seed)
        self.douts_given = douts
        self.eps = float(np.finfo(np.float64).eps)
        first = [a for a in subject.slots if is_float_array(a)]
        self.x: np.ndarray = first[0] if first else np.zeros(1)
        self.all_zero = False

    # -- the frame ----------------------------------------------------------------------
    def execute(self, raise_on_failure: bool) -> Report:
        """Run the check with the random state restored afterwards; raise or return."""
        __tracebackhide__ = True
        subject = self.subject
        pin = RandomPin(_Holder(), self.seed)
        subject.pin = pin
        return framed(
            self.report, self._check, name=subject.name, noun="function", pin=pin,
            evaluations=lambda: subject.evaluations, raise_on_failure=raise_on_failure,
        )

    # -- the check ----------------------------------------------------------------------
    def _check(self) -> None:
        report, subject = self.report, self.subject
        try:
            subject.forward()  # warm-up: does forward draw random numbers?
        except (UserCodeError, ProtocolError):
            pass  # the first pass reports it
        finally:
            subject.pin.settle()
        first = self._first_pass()
        for i in subject.differentiated:
            report.shapes[subject.names[i]] = list(subject.slots[i].shape)
        if first is None:
            self._template(None)
            return
        grads, result = first
        size = sum(v.size for v in subject.params.values())
        mode = self.mode or ("exhaustive" if size <= EXHAUSTIVE_LIMIT else "fast")
        report.mode = mode
        objective = subject.objective(result, scale=True)
        # no input gradient: the arguments are parameters
        context = Context(report, self.x, None, self.rng, self.eps, self.step, None, self.seed)
        Verification(context, subject).run(grads, objective)
        self._diagnose_again()
        if self.all_zero:
            self._nothing_verified()
        if subject.set_aside:
            report.notes.append("set aside (not gradients of an argument): "
                                + "; ".join(subject.set_aside))
        self._template(grads)

    def _template(self, grads: dict[str, np.ndarray] | None) -> None:
        """An unfinished template is ``unfinished``, not a wrong gradient.

        A gradient returned as None, with no computed gradient wrong; or every returned
        gradient all zero where the source says template (``pass``, zeros never filled
        in). A finished function that kept the course's ``pass`` line and has a real bug
        returns non-zero gradients: it stays ``failed``.
        """
        report = self.report
        if report.status == UNFINISHED or report.problems:
            return
        statuses = {g.status for g in report.gradients}
        if MISSING in statuses and FAILED not in statuses:
            report.status = UNFINISHED
            return
        if not grads or any(np.any(g) for g in grads.values()) or FAILED not in statuses:
            return
        why = next(filter(None, map(unfinished, self.subject.sources)), None)
        if why is not None:
            report.status = UNFINISHED
            report.problems.insert(0, f"an unfinished template: {why} (its gradients are all "
                                   "zero; fill it in, then check again)")

    def _diagnose_again(self) -> None:
        """Diagnoses for functions: their arguments carry no regularization term.

        The verification diagnoses a parameter's gradient as a layer's (where an error
        proportional to ``sign(W)`` means a wrong L1 term); a function's arguments are
        diagnosed as inputs, from the same per-element data.
        """
        subject = self.subject
        # the samples: the rows of the data (X of svm_loss_naive(W, X, y, reg)), the first
        # array argument not differentiated; else of the first float argument
        data = [a for i, a in enumerate(subject.slots) if isinstance(a, np.ndarray)
                and a.ndim >= 1 and i not in subject.differentiated]
        batch = data[0].shape[0] if data else self.x.shape[0]
        for g in self.report.gradients:
            el = g.elements
            if g.status != FAILED or el is None:
                continue
            g.diagnosis = diagnose(el.analytic, el.numeric, el.verdict == Verdict.WRONG,
                                   batch=batch)

    def _nothing_verified(self) -> None:
        """Only zeros out and only zero gradients: agreement proves nothing.

        An unfinished template returning zeros agrees with finite differences everywhere;
        so does a correct ReLU on negative inputs. Neither is verified by such data.
        """
        name = self.subject.name
        why = next(filter(None, map(unfinished, self.subject.sources)), None)
        if why is not None and any(g.status == PASSED for g in self.report.gradients):
            self.report.status = UNFINISHED
            self.report.problems.insert(0, f"an unfinished template: {why} (outputs and "
                                        "gradients all zero; fill it in, then check again)")
            return
        for g in self.report.gradients:
            if g.status == PASSED:
                g.status, g.inconclusive = INCONCLUSIVE, g.checked
                g.diagnosis = (f"{name} returned only zeros and the gradients are all zero: "
                               "nothing is verified on these arguments (an unfinished "
                               "template returning zeros?)")

    def _first_pass(self) -> tuple[dict[str, np.ndarray], Any] | None:
        report, subject = self.report, self.subject
        name = subject.name
        args, kwargs = subject.fresh_arguments()
        result = subject.call_forward(args, kwargs)
        report.problems += _written(subject.names, subject.slots, args, name,
                                    "argument in place (the caller's array would change)")
        if subject.backward_function is not None and not isinstance(result, tuple | list):
            self._refuse(result)
        if subject.is_loss:
            subject.match_loss(result)
        outs = subject.outputs(result)
        for k, out in enumerate(outs):
            if out.dtype.kind != "f" or not np.all(np.isfinite(out)):
                raise ProtocolError(
                    f"{name} returned a non-finite {'loss' if subject.is_loss else 'output'}"
                    + ("" if len(outs) == 1 else f" (output {k + 1})") + " for finite arguments"
                )
        self._choose_eps(result)
        if subject.is_loss:
            return self._loss_gradient(result)

        douts = self._douts(outs)
        takes = subject.takes
        if takes is not None and takes < len(douts) and self.douts_given is None:
            # rnn_cell_backward(da_next, cache) for (a_next, yt, cache): yt not differentiated
            for k in range(takes, len(douts)):
                douts[k] = np.zeros_like(douts[k])
            unused = ", ".join(str(k + 1) for k in range(takes, len(douts)))
            back_name = getattr(subject.backward_function, "__name__", "backward")
            report.notes.append(
                f"{back_name} takes {takes} upstream gradient(s): output(s) {unused} of the "
                "forward are not differentiated"
            )
        subject.douts = douts
        given = [d.copy() for d in douts]
        after_forward = [np.array(a, copy=True) if isinstance(a, np.ndarray) else None
                         for a in args]
        returned = subject.backward(given, result[-1])
        back = getattr(subject.backward_function, "__name__", "backward")
        names = ["dout"] if len(douts) == 1 else [f"dout_{k + 1}" for k in range(len(douts))]
        for label, before, now in zip(names, douts, given, strict=True):
            if not _same(before, now):
                report.problems.append(
                    f"{back} modified its upstream gradient {label} in place (the caller's "
                    "array would change): copy it before changing it"
                )
        for i, (kept, now) in enumerate(zip(after_forward, args, strict=True)):
            if kept is not None and not _same(kept, now):
                report.problems.append(
                    f"{back} modified the {subject.names[i]} that was passed to {name} (held in "
                    "the cache) in place: copy it before changing it"
                )
        grads = self._gradients(returned, back)
        self.all_zero = all(not np.any(o) for o in outs) and all(
            not np.any(g) for g in grads.values()
        )
        return grads, result

    def _refuse(self, result: Any) -> None:
        """A backward given with a forward that returns no ``(out, cache)``: not a pair.

        ``check_function(mse, mse_prime, y_true, y_pred)`` reads ``mse_prime`` as a
        backward taking ``(dout, cache)``: every correct pair would fail. When the
        "backward" takes the forward's own arguments, it is a derivative: refused, with
        the call that checks it.
        """
        subject = self.subject
        back = subject.backward_function
        if not takes_same_arguments(subject.forward_function, back):
            return
        f, fp = subject.name, getattr(back, "__name__", "f_prime")
        raise ArgumentError(
            f"{f} returned {_shown(result)}, not (out, cache), and {fp} takes {f}'s own "
            f"arguments: they are a function and its derivative, which check_function "
            f"cannot read. Check them with gradcheck.check_derivative({f}, {fp}, ...) "
            "with the same arguments")

    def _loss_gradient(self, result: Any) -> tuple[dict[str, np.ndarray], Any] | None:
        subject, report = self.subject, self.report
        loss = result[0]
        if np.ndim(loss) != 0 and np.size(loss) != 1:
            raise ProtocolError(
                f"{subject.name} returned a loss of shape {np.shape(loss)}; a loss function "
                "returns (loss, dx) with a scalar loss"
            )
        if not subject.parameters:
            raise ProtocolError(f"{subject.name} has no float array argument to differentiate")
        grads: dict[str, np.ndarray] = {}
        for param in subject.parameters.values():
            label = param.gradient_label
            where = subject.gradient_at.get(label, 1)
            try:
                value = result[where] if isinstance(where, int) else result[1][where]
            except (IndexError, KeyError, TypeError):
                value = None
            if value is None:
                report.gradients.append(GradientResult(
                    label, MISSING, diagnosis=f"{subject.name} returned None for {label} "
                    "(an unfinished template?)"))
                continue
            grads[label] = np.array(value, dtype=np.float64, copy=True)
        if not grads:
            raise UnfinishedError(f"{subject.name} returned None for every gradient (an "
                                  "unfinished template?)")
        self.all_zero = not np.any(np.asarray(loss, dtype=np.float64)) and not any(
            np.any(g) for g in grads.values())
        return grads, result

    def _douts(self, outs: list[np.ndarray]) -> list[np.ndarray]:
        given = self.douts_given
        if given is not None:
            if len(given) != len(outs) or any(
                g.shape != o.shape for g, o in zip(given, outs, strict=True)
            ):
                raise ArgumentError(
                    f"dvalues has shapes {[g.shape for g in given]}, but forward's outputs have "
                    f"shapes {[o.shape for o in outs]}"
                )
            return [np.asarray(g, dtype=np.float64) for g in given]
        return [self.rng.standard_normal(o.shape) for o in outs]

    def _gradients(self, returned: Any, back: str) -> dict[str, np.ndarray]:
        """One gradient per differentiated argument, matched by position."""
        subject, report = self.subject, self.report
        if isinstance(returned, dict):
            return self._dict_gradients(returned, back)
        params = list(subject.parameters.values())
        expected = ", ".join(p.gradient_label for p in params)
        if returned is None:
            returned = ()
        elif not isinstance(returned, (tuple, list)):
            returned = (returned,)
        if len(returned) != len(params):
            if returned:
                report.problems.append(
                    f"{back} returned {len(returned)} value(s); expected {len(params)}, one "
                    f"gradient per float array argument ({expected})"
                )
        grads: dict[str, np.ndarray] = {}
        for k, param in enumerate(params):
            value = returned[k] if k < len(returned) else None
            if value is None:
                report.gradients.append(GradientResult(
                    param.gradient_label, MISSING,
                    diagnosis=f"{back} returned no {param.gradient_label} (None or nothing: "
                    "an unfinished template?)"))
                continue
            grads[param.gradient_label] = np.array(value, copy=True)
        return grads

    def _dict_gradients(self, returned: dict[Any, Any], back: str) -> dict[str, np.ndarray]:
        """A dict of gradients keyed ``d<argument>`` and ``d<key>`` of a dict argument."""
        subject, report = self.subject, self.report
        for label in subject.add_dict_parameters(returned):
            report.shapes[label] = list(subject.params[label].shape)
        grads: dict[str, np.ndarray] = {}
        for param in list(subject.parameters.values()):
            key = gradient_key(returned, param.label)
            value = None if key is None else returned[key]
            if key is None or value is None:
                report.gradients.append(GradientResult(
                    param.gradient_label, MISSING,
                    diagnosis=f"{back} returned no {param.gradient_label} in its dict"))
                continue
            param.gradient_label = key
            grads[key] = np.array(value, copy=True)
        return grads

    def _choose_eps(self, result: Any) -> None:
        outs = [result[0]] if self.subject.is_loss else list(result[:-1])
        low = [o.dtype for o in outs if isinstance(o, np.ndarray | np.floating)
               and o.dtype.kind == "f" and o.dtype.itemsize < 8]
        if low:
            self.eps = float(np.finfo(low[0]).eps)
            self.report.dtype = str(low[0])
            self.report.notes.append(
                f"forward returns {low[0]} although it was given float64: precision is forced "
                f"inside the function, so steps and tolerances follow {low[0]}"
            )


def takes_same_arguments(forward: Any, backward: Any) -> bool:
    """Whether ``backward`` takes ``forward``'s positional arguments (a derivative).

    A CS231n backward takes ``(dout, cache)``; ``mse_prime(y_true, y_pred)`` takes what
    ``mse`` takes, and ``sigmoid_prime(x)`` what ``sigmoid`` takes.
    """
    def positional(function: Any) -> list[str] | None:
        try:
            params = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            return None
        return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                     p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]

    ours, theirs = positional(forward), positional(backward)
    if ours is None or theirs is None:
        return False
    return len(ours) == len(theirs) and "cache" not in theirs


def _shown(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return type(value).__name__


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _written(names: list[str], originals: list[Any], passed: list[Any], who: str,
             what: str) -> list[str]:
    """Problems for every array argument ``who`` changed in place."""
    problems = []
    for name, before, now in zip(names, originals, passed, strict=True):
        if isinstance(before, np.ndarray) and isinstance(now, np.ndarray) and not _same(
            np.asarray(before, dtype=now.dtype) if before.dtype != now.dtype else before, now
        ):
            problems.append(f"{who} modified its {name} {what}")
    return problems


def prepare_arguments(forward: Any, backward: Any, args: tuple[Any, ...],
                      douts: Any) -> tuple[tuple[Any, ...], list[np.ndarray] | None]:
    """Validate :func:`gradcheck.check_function`'s arguments; float arrays as float64 copies.

    Float arrays (and lists of floats) are differentiated and copied, so the caller's
    arrays are never touched; everything else is a setting, passed as it is (deep-copied
    on every call).
    """
    if not callable(forward):
        raise TypeError(f"forward must be a function, got {type(forward).__name__}")
    if backward is not None and not callable(backward):
        raise TypeError(
            f"backward must be a function or None (for a loss returning (loss, dx)), got "
            f"{type(backward).__name__}"
        )
    out = []
    for i, a in enumerate(args):
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            if a.size == 0:
                raise ValueError(f"argument {i} is an empty float array (shape {a.shape})")
            if not np.all(np.isfinite(a)):
                raise ValueError(
                    f"argument {i} contains NaN or inf; gradients are only checked at finite "
                    "points"
                )
            a = np.array(a, dtype=np.float64)
        out.append(a)
    if not any(is_float_array(a) for a in out):
        raise ValueError(
            "no float array among the positional arguments: nothing to differentiate (give "
            "the arrays positionally, settings such as conv_param may be keywords)"
        )
    given = None
    if douts is not None:
        items = [douts] if isinstance(douts, np.ndarray) else list(douts)
        given = [np.asarray(d, dtype=np.float64) for d in items]
    return tuple(out), given
