"""Range findings: a value that stops being finite only at large input magnitudes.

An intermediate overflows (``np.exp(x)`` is inf above 709.78) though the value itself is
bounded (a tanh, softmax or sigmoid written with ``np.exp``) or grows no faster than its
inputs (a cross-entropy on unshifted logits, ``log(1 + exp(-x))``, ``log(cosh(x))``).
Such a finding is reported with the magnitude where it starts, apart from the gradient
verdict (the gradients are checked below it); a value that is legitimately huge there
(``exp`` itself, an exponential loss) is not a finding. Used by the probes of layers,
losses and derivative pairs (:mod:`gradcheck.targets`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcheck.engine.capture import captured
from gradcheck.engine.state import RandomPin, Snapshot
from gradcheck.protocol.calls import wants_training
from gradcheck.protocol.roles import roles_of
from gradcheck.protocol.subject import get_output
from gradcheck.report import Report

__all__ = ["HIGH", "LOW", "NOT_FINITE", "OVERFLOW", "explain", "finding", "grows_linearly",
           "threshold"]

#: the problems of a check whose forward was not finite on the caller's data
NOT_FINITE = ("forward output is not finite for finite inputs",
              "forward returned a non-finite loss for finite y_pred")

#: the magnitudes searched: below LOW a non-finite value is not an overflow at large
#: magnitudes (a bug, or a function's own domain); finite at HIGH, nothing to report
LOW, HIGH = 10.0, 1e3
#: what overflows, in the words of the finding
OVERFLOW = "an intermediate overflows (np.exp(x) is inf above 709.78)"


def threshold(finite: Callable[[float], bool], *, low: float = LOW,
              high: float = HIGH) -> float | None:
    """The smallest magnitude at which a value stops being finite (bisection).

    Parameters
    ----------
    finite : callable
        ``magnitude -> bool``: whether the value is finite when its inputs are scaled to
        that largest magnitude.
    low, high : float
        The range searched.

    Returns
    -------
    float or None
        ``None`` when the value is not finite at ``low`` already or still finite at
        ``high``: no overflow at large magnitudes.
    """
    if not finite(low) or finite(high):
        return None
    for _ in range(30):
        middle = (low + high) / 2
        if finite(middle):
            low = middle
        else:
            high = middle
        if high - low < 1e-3 * high:
            break
    return high


def grows_linearly(value_at: Callable[[float], float | None], at: float) -> bool:
    """Whether a value grows no faster than its inputs up to the magnitude ``at``.

    A loss on logits grows at most like the logits (a cross-entropy, ``log(1 + exp(-x))``),
    so its true value is finite where an intermediate overflows; an exponential loss is
    huge there by right. Compared at magnitude 1 and at ``0.9 * at`` (finite by then).
    """
    small, near = value_at(1.0), value_at(0.9 * at)
    if small is None or near is None:
        return False
    return abs(near) <= 100.0 * 0.9 * at * max(1.0, abs(small))


def finding(threshold: float, *, who: str = "forward", inputs: str = "inputs",
            why: str = "its outputs are bounded", fix: str,
            checked: str = "Gradients were checked below that") -> str:
    """The text of a range finding, for the report row (``range: ...``).

    Parameters
    ----------
    threshold : float
        The magnitude where the value stops being finite.
    who : str
        What is not finite (``forward``, ``sigmoid_prime``).
    inputs : str
        What is large (``inputs``, ``logits``, ``predictions``).
    why : str
        Why that is an overflow, not the value's own size.
    fix : str
        How to rewrite it.
    checked : str
        Where the gradients were checked, the last sentence.
    """
    return (f"{who} is not finite (inf or nan) for {inputs} of magnitude {threshold:.4g} "
            f"and above, though {why}: {OVERFLOW}; rewrite it without the overflowing term "
            f"({fix}). {checked}")


LAYER_FIX = ("np.tanh; subtract each row's maximum before np.exp in a softmax; exp of -|x| "
             "only in a sigmoid")
LOSS_FIX = ("subtract each row's maximum from the logits before np.exp; np.logaddexp(0, -z) "
            "for log(1 + exp(-z)); |e| + log1p(exp(-2|e|)) - log(2) for log(cosh(e)); "
            "log-probabilities as x - max - log(sum(exp(x - max))), not log(softmax), whose "
            "small probabilities round to 0")


def explain(report: Report, obj: Any, x: np.ndarray, y: Any = None, *,
            training: bool | None = None) -> None:
    """Say whether a forward not finite on the caller's data is a range finding.

    ``check_layer`` and ``check_loss`` check the data they are given, so a forward that
    overflows there fails (its gradients cannot be compared). When the same data scaled
    down to a largest ``|x|`` of 10 give a finite forward, bounded (a layer) or growing no
    faster than its inputs (a loss), the problem says so in the words of the command's
    range finding, with the magnitude where it starts and what to do. The object is
    restored exactly afterwards (its state, its random generators).
    """
    problem = next((p for p in report.problems if p in NOT_FINITE), None)
    if problem is None or x.dtype.kind != "f" or x.size == 0:
        return
    largest = float(np.max(np.abs(x))) if np.all(np.isfinite(x)) else 0.0
    if largest <= LOW:
        return
    base = x / largest
    layer = y is None
    roles = roles_of(obj)
    takes, value = wants_training(obj, training) if layer else (False, False)

    def value_at(magnitude: float) -> np.ndarray | None:
        try:
            if layer:
                args = (base * magnitude, value) if takes else (base * magnitude,)
                returned = getattr(obj, roles.forward)(*args)
                held = get_output(obj)
                out = held if isinstance(held, np.ndarray) else returned
            else:
                out = getattr(obj, roles.forward)(base * magnitude, np.array(y, copy=True))
            array = np.asarray(out, dtype=np.float64)
        except Exception:  # noqa: BLE001 - the check already reported the real failure
            return None
        return array if np.all(np.isfinite(array)) else None

    snapshot, pin = Snapshot(obj), RandomPin(obj, 0)
    try:
        with captured(io.StringIO()), np.errstate(all="ignore"):
            small = value_at(LOW)
            found = threshold(lambda m: value_at(m) is not None, high=largest)
            if small is None or found is None:
                return
            if layer:
                if not np.all(np.abs(small) <= 1.0 + 1e-12):
                    return
                why, inputs, fix = "its outputs are bounded", "inputs", LAYER_FIX
            else:
                def mean(m: float) -> float | None:
                    v = value_at(m)
                    return None if v is None else float(np.mean(v))
                if not grows_linearly(mean, found):
                    return
                why, inputs, fix = "the loss grows no faster than them", "y_pred", LOSS_FIX
    finally:
        snapshot.restore()
        pin.restore()
    report.problems[report.problems.index(problem)] = (
        f"{problem} (yours reach magnitude {largest:.4g}): a range finding, not a gradient "
        "bug: " + finding(found, inputs=inputs, why=why, fix=fix,
                          checked="Check the gradients on inputs below that"))
